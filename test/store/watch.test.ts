import { strict as assert } from 'node:assert';
import { Store } from '../../store/store.js';
import { WatchOverflowError, type WatchItem } from '../../store/watch.js';
import { P } from './model-helpers.js';

function ready(): Store {
  const s = new Store('n');
  s.markReady();
  return s;
}

const describeItem = (i: WatchItem) => (i.kind === 'uptodate' ? 'uptodate' : `${i.kind} ${i.entry.path} ${String(i.entry.hasValue() ? i.entry.value : '-')}`);

describe('store/watch', () => {
  it('dumps older entries, marks uptodate, then every change in order (ancestors notified)', async () => {
    const s = ready();
    s.setValue(P('a'), 1);
    s.setValue(P('a.b'), 2);
    s.setValue(P('z'), 9);
    const w = s.watch(P('a'), { fetch: true });
    const got: string[] = [describeItem((await w.next()).value as WatchItem)];
    s.setValue(P('a.b'), 3); // changed after the watch began: not dumped, reported as a change
    s.setValue(P('a.c.d'), 4);
    s.deleteValue(P('a'));
    s.setValue(P('z'), 10); // not below a
    for (let i = w.poll(); i; i = w.poll()) got.push(describeItem(i));
    assert.deepEqual(got, ['entry a 1', 'uptodate', 'change a.b 3', 'change a.c.d 4', 'change a -']);
    w.close();
    assert.equal((await w.next()).done, true);
  });

  it('a waiting consumer gets the next change; close ends it', async () => {
    const s = ready();
    const w = s.watch(P(''), {});
    const p = w.next();
    s.setValue(P('x'), 1);
    const r = await p;
    assert.equal(describeItem(r.value as WatchItem), 'change x 1');
    const p2 = w.next();
    w.close();
    assert.equal((await p2).done, true);
  });

  it('min/max depth filter changes; the meta tree is hidden unless asked for', () => {
    const s = ready();
    const w = s.watch(P('a'), { minDepth: 1, maxDepth: 1 });
    const all = s.watch(P(''), {});
    const full = s.watch(P(''), { full: true });
    s.setValue(P('a'), 1);
    s.setValue(P('a.b'), 2);
    s.setValue(P('a.b.c'), 3);
    s.setValue([null, 'auth'], { current: 'root' });
    const drain = (x: typeof w) => {
      const out: string[] = [];
      for (let i = x.poll(); i; i = x.poll()) out.push(describeItem(i));
      return out;
    };
    assert.deepEqual(drain(w), ['change a.b 2']);
    assert.equal(drain(all).length, 3);
    assert.equal(drain(full).length, 4);
  });

  it('a full buffer ends the watch with a clear error after the buffered changes', async () => {
    const s = ready();
    const w = s.watch(P(''), { limit: 3 });
    for (let i = 0; i < 5; i++) s.setValue(P('k'), i);
    const vals: unknown[] = [];
    await assert.rejects(async () => {
      for await (const it of w) vals.push(it.kind === 'change' ? it.event.value : it.kind);
    }, WatchOverflowError);
    assert.deepEqual(vals, [0, 1, 2]);
    assert.equal(s.watches.size, 0);
  });
});
