// The two-step snapshot: what is captured is the store at that instant, whatever changes while
// it is encoded; its file loads to the same values, chains and ticks as store/files' snapshot.
import { strict as assert } from 'node:assert';
import { captureSnapshot, encodeSnapshot } from '../../../lib/data-dir/snapshot.js';
import { NOT_GIVEN, walk } from '../../../store/entry.js';
import { loadRecords, readFile, snapshotChunks } from '../../../store/files.js';
import { Path } from '../../../store/path.js';
import { Store } from '../../../store/store.js';

async function bytesOf(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

function dump(s: Store): string[] {
  const out: string[] = [];
  for (const [e] of walk(s.root, { full: true })) if (e.value !== NOT_GIVEN) out.push(`${e.path.toString()}=${JSON.stringify(e.value)}@${e.chain ? e.chain.map((x) => (typeof x === 'number' ? x : x.name)).join(',') : ''}`);
  return out.sort();
}

describe('lib/data-dir: snapshot capture', () => {
  it('changes after the capture are not in the file; the file loads like snapshotChunks', async () => {
    const s = new Store('n1');
    s.markReady();
    for (let i = 0; i < 3000; i++) s.setValue(Path.of('k', i % 37, i), { i });
    s.setValue(Path.trusted([null, 'acl', 'x']), 'meta');
    s.deleteValue(Path.of('k', 1, 1));
    const expected = dump(s);
    const reference = Buffer.concat([...snapshotChunks(s, { checked: true, full: true })]);
    const cap = captureSnapshot(s);
    // the store moves on while the snapshot is encoded in slices
    const enc = encodeSnapshot(cap, 4096);
    const parts: Uint8Array[] = [];
    let first = true;
    for await (const c of enc) {
      parts.push(c);
      if (first) {
        first = false;
        for (let i = 0; i < 3000; i += 7) s.setValue(Path.of('k', i % 37, i), 'changed');
        s.deleteValue(Path.of('k', 2, 2));
        s.setValue(Path.of('new'), 1);
      }
    }
    assert.ok(parts.length > 3, 'written in several slices');
    const loaded = new Store('n1');
    loadRecords(loaded, readFile(Buffer.concat(parts), { requireChecked: true }).records);
    assert.deepEqual(dump(loaded), expected);
    const ref = new Store('n1');
    loadRecords(ref, readFile(reference, { requireChecked: true }).records);
    assert.deepEqual(dump(ref), expected);
    // (tock differs: every getState takes a fresh one, as python's)
    const st = (x: Store) => ({ ...x.getState({ nodes: true, known: true, deleted: true }), tock: 0 });
    assert.deepEqual(st(loaded), st(ref));
  });

  it('an empty store: state record and trailer only', async () => {
    const s = new Store('n1');
    const { records, summary } = readFile(await bytesOf(encodeSnapshot(captureSnapshot(s))), { requireChecked: true });
    assert.equal(summary.complete, true);
    assert.deepEqual(records.map((r) => r.kind), ['state', 'end']);
  });
});
