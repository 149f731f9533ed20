import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import { decodeAll, encode, type Value } from '../../store/codec.js';
import { NOT_GIVEN, walk } from '../../store/entry.js';
import { ChangeLogWriter, FileReader, FileWriter, loadRecords, readFile, snapshotChunks } from '../../store/files.js';
import { Path } from '../../store/path.js';
import { Store } from '../../store/store.js';
import { hex, pathArb, valueArb } from './codec-arbitraries.js';

const RUNS = Number(process.env.FC_RUNS ?? 500);

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  return new Uint8Array(Buffer.concat([...chunks]));
}

/** Everything a load must reproduce: each entry's path, value and chain, and the tick tables. */
function contents(s: Store): string {
  const out: string[] = [];
  for (const [e] of walk(s.root, { full: true })) {
    if (e.value === NOT_GIVEN) continue;
    out.push(`${e.path.key()} ${hex(encode(e.value))} ${JSON.stringify(e.chain?.map((x) => (typeof x === 'number' ? x : x.name)))}`);
  }
  // Tombstones are not saved (python's saver skips entries without a value), so their ticks
  // load as superseded instead of present: compare present ∪ known.
  const st = s.getState({ nodes: true, known: true, deleted: true, present: true, missing: true });
  const ticks = (w: Record<string, (number | number[])[]> | undefined, name: string): number[] =>
    (w?.[name] ?? []).flatMap((x) => (typeof x === 'number' ? [x] : Array.from({ length: x[1]! - x[0]! }, (_, i) => x[0]! + i)));
  const seen: Record<string, number[]> = {};
  for (const name of Object.keys(st.nodes ?? {}))
    seen[name] = [...new Set([...ticks(st.present as never, name), ...ticks(st.known as never, name)])].sort((a, b) => a - b);
  return out.sort().join('\n') + '\n' + JSON.stringify({ nodes: st.nodes, seen, deleted: st.deleted, missing: st.missing });
}

function sampleStore(): Store {
  const s = new Store('test1', { tick: 0 });
  s.setValue(Path.ROOT, 'initial');
  s.setValue(Path.of('a'), 1);
  s.setValue(Path.of('a', 'b'), { x: [1, 2], y: new Uint8Array([0, 1]) });
  s.setValue(Path.of('a', 'c', 1, true), 'n');
  s.setValue(Path.of(null, 'meta'), 'm');
  s.setValue(Path.of('a'), 2); // overwrite: tick 2 becomes known/superseded
  s.setValue(Path.of('z'), null);
  s.deleteValue(Path.of('z'));
  return s;
}

function load(bytes: Uint8Array, opts = {}): Store {
  const t = new Store('test1');
  const { records } = readFile(bytes, opts);
  loadRecords(t, records);
  t.markReady();
  return t;
}

describe('store/files', () => {
  it('a checked snapshot loads into an empty store with the same entries and tick tables', () => {
    const s = sampleStore();
    const bytes = concat(snapshotChunks(s));
    assert.equal(contents(load(bytes, { requireChecked: true })), contents(s));
  });

  it('a plain (exact DistKV) snapshot is the checked one without _c keys and trailer', () => {
    const s = sampleStore();
    const plain = decodeAll(concat(snapshotChunks(s, { checked: false }))).map((r) => r.value);
    const checked = decodeAll(concat(snapshotChunks(s))).map((r) => r.value);
    assert.equal(checked.length, plain.length + 1);
    const strip = (v: Value) => {
      const o = { ...(v as Record<string, Value>) };
      delete o._c;
      return o;
    };
    // the state records differ in their tock only
    assert.deepEqual(checked.slice(1, -1).map(strip), plain.slice(1));
    assert.deepEqual(Object.keys(plain[0] as object), ['nodes', 'known', 'deleted', 'node', 'tock']);
    assert.deepEqual(Object.keys(plain[1] as object), ['value', 'chain', 'tock', 'path', 'depth']);
    assert.equal(contents(load(concat(snapshotChunks(s, { checked: false })))), contents(s));
  });

  it('round-trips any store contents, checked and plain', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(pathArb.filter((p) => !p.isMeta || p.length > 0), valueArb, fc.boolean()), { maxLength: 12 }), fc.boolean(), (ops, checked) => {
        const s = new Store('w', { tick: 0 });
        for (const [p, v, del] of ops) {
          if (p.elements.slice(1).includes(null)) continue; // null only as the first element
          if (del) s.deleteValue(p);
          else s.setValue(p, v);
        }
        const bytes = concat(snapshotChunks(s, { checked }));
        const t = new Store('w');
        loadRecords(t, readFile(bytes).records);
        t.markReady();
        assert.equal(contents(t), contents(s));
      }),
      { numRuns: RUNS },
    );
  });

  describe('integrity (checked form)', () => {
    const bytes = concat(snapshotChunks(sampleStore()));
    it(`detects every truncation (${bytes.length} cut points) with an offset`, () => {
      for (let n = 0; n < bytes.length; n++) {
        assert.throws(
          () => readFile(bytes.subarray(0, n), { requireChecked: true }),
          (e: unknown) => e instanceof DecodeError && typeof e.offset === 'number' && e.offset <= n,
          `cut at ${n}`,
        );
      }
      const trailer = readFile(bytes).records.at(-1)!;
      assert.equal(trailer.kind, 'end');
      const log = readFile(bytes.subarray(0, trailer.offset), { allowUnterminated: true });
      assert.equal(log.summary.complete, false);
      assert.equal(log.summary.validEnd, trailer.offset);
    });
    it('detects every single-byte corruption at every position', () => {
      for (let i = 0; i < bytes.length; i++) {
        for (const x of [0x01, 0x80, 0xff]) {
          const bad = bytes.slice();
          bad[i] ^= x;
          assert.throws(() => readFile(bad), DecodeError, `byte ${i} ^ ${x}`);
        }
      }
    });
    it('detects random corruptions, deletions and insertions (property)', () => {
      fc.assert(
        fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 2 }), (pos, x, how) => {
          const i = pos % bytes.length;
          let bad: Uint8Array;
          if (how === 0) (bad = bytes.slice()), (bad[i] ^= x);
          else if (how === 1) bad = concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
          else bad = concat([bytes.subarray(0, i), Uint8Array.of(x), bytes.subarray(i)]);
          assert.throws(() => readFile(bad), DecodeError);
        }),
        { numRuns: RUNS },
      );
    });
    it('accepts concatenated files (full dump + checked log + plain DistKV file)', () => {
      const s = sampleStore();
      const full = concat(snapshotChunks(s));
      const logw = new ChangeLogWriter(s);
      const chunks: Uint8Array[] = [...logw.start()];
      const off = s.onChange((ev) => chunks.push(logw.change(ev)));
      s.setValue(Path.of('a', 'new'), 5);
      s.deleteValue(Path.of('a', 'b'));
      s.setValue(Path.of('a', 'c', 2), 'after-delete'); // shortened against the deleted path
      off();
      chunks.push(logw.close());
      const plain = concat(snapshotChunks(s, { checked: false }));
      const all = concat([full, ...chunks, plain]);
      const { summary, records } = readFile(all);
      assert.equal(summary.checkedSegments, 2);
      assert.equal(summary.plainSegments, 1);
      assert.ok(records.some((r) => r.kind === 'update' && r.path.equals(Path.of('a', 'c', 2))));
      const t = new Store('test1');
      loadRecords(t, readFile(concat([full, ...chunks])).records);
      t.markReady();
      assert.equal(contents(t), contents(s));
    });
    it('refuses a reserved key and unchecked data when checks are required', () => {
      assert.throws(() => new FileWriter().state({ _c: 1 }));
      assert.throws(() => readFile(concat(snapshotChunks(sampleStore(), { checked: false })), { requireChecked: true }), DecodeError);
    });
    it('garbage (random bytes, mutated plain files) only ever gives DecodeError', () => {
      const plain = concat(snapshotChunks(sampleStore(), { checked: false }));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, x]) => {
          const b = plain.slice();
          b[i % b.length] = x;
          return b;
        })), (bad) => {
          try {
            const { records } = readFile(bad);
            const t = new Store('test1');
            loadRecords(t, records);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        }),
        { numRuns: RUNS },
      );
    });
    it('reads the same records however the file is chunked', () => {
      const r = new FileReader();
      const recs = [];
      for (let i = 0; i < bytes.length; i += 5) recs.push(...r.push(bytes.subarray(i, i + 5)));
      r.finish();
      assert.deepEqual(
        recs.map((x) => [x.kind, x.offset]),
        readFile(bytes).records.map((x) => [x.kind, x.offset]),
      );
    });
  });
});
