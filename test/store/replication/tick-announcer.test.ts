// Which ticks a replica announces (`info {ticks}`) when "it" and periodically.
import { strict as assert } from 'node:assert';
import { TickAnnouncer } from '../../../store/replication/tick-announcer.js';
import { Store } from '../../../store/store.js';

const CYCLE = 3_000;

function store(): Store {
  const s = new Store('me', { tick: 0 });
  s.setValue(['a'], 1); // me/1
  s.node('w', 4);
  s.node('quiet'); // tick unknown: nothing to announce
  return s;
}

describe('store/replication/tick-announcer', () => {
  it('announces unheard ticks once, then only raised ones', () => {
    const s = store();
    const a = new TickAnnouncer();
    assert.deepEqual(a.due(s, 0, CYCLE), { me: 1, w: 4 });
    assert.deepEqual(a.due(s, 100, CYCLE), {});
    s.node('w', 6);
    assert.deepEqual(a.due(s, 200, CYCLE), { w: 6 });
  });

  it('stays quiet for ticks somebody else announced (ticks info, the node own ping)', () => {
    const s = store();
    const a = new TickAnnouncer();
    a.heard('w', 4, 0);
    a.heard('me', 1, 0);
    assert.deepEqual(a.due(s, 10, CYCLE), {});
    a.heard('w', 2, 20); // an old tick does not count as the current one
    s.node('w', 5);
    assert.deepEqual(a.due(s, 30, CYCLE), { w: 5 });
  });

  it('re-announces after refreshCycles and after forget() (members joined again)', () => {
    const s = store();
    const a = new TickAnnouncer({ refreshCycles: 10 });
    a.due(s, 0, CYCLE);
    assert.deepEqual(a.due(s, 10 * CYCLE - 1, CYCLE), {});
    assert.deepEqual(a.due(s, 10 * CYCLE, CYCLE), { me: 1, w: 4 });
    a.forget();
    assert.deepEqual(a.due(s, 10 * CYCLE + 1, CYCLE), { me: 1, w: 4 });
  });

  it('minAgeMs leaves fresh ticks to the node that is "it"; all sends the whole table', () => {
    const s = store();
    const a = new TickAnnouncer();
    a.heard('me', 1, 0);
    a.heard('w', 4, 0);
    s.node('w', 5);
    assert.deepEqual(a.due(s, 1_000, CYCLE, { minAgeMs: CYCLE }), {}, 'fresh: due since 1000');
    assert.deepEqual(a.due(s, 1_000 + CYCLE, CYCLE, { minAgeMs: CYCLE }), { w: 5 });
    assert.deepEqual(a.due(s, 1_001 + CYCLE, CYCLE, { all: true }), { me: 1, w: 5 });
  });
});
