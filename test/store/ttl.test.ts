import { strict as assert } from 'node:assert';
import type { Clock, Timer } from '../../gossip/runtime.js';
import { Store } from '../../store/store.js';
import { TtlTable } from '../../store/ttl.js';
import { P } from './model-helpers.js';

/** A hand-driven clock: advance() fires due timers in time order. */
class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): Timer {
    const rec = { at: this.t + Math.max(0, ms), fn, live: true };
    this.timers.push(rec);
    return { cancel: () => void (rec.live = false) };
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
}

describe('store/ttl', () => {
  it('expires keys by the clock, as replicated deletions, in deadline order', () => {
    const clock = new ManualClock();
    const s = new Store('n');
    s.markReady();
    const expired: string[] = [];
    const ttl = new TtlTable(s, clock, (e) => expired.push(e.path.toString()));
    const deletions: string[] = [];
    s.onChange((ev) => ev.origin === 'local' && !ev.entry.hasValue() && deletions.push(ev.entry.path.toString()));
    s.setValue(P('a'), 1);
    s.setValue(P('b'), 2);
    ttl.set(P('a'), 500);
    ttl.set(P('b'), 100);
    assert.equal(ttl.remaining(P('a')), 500);
    clock.advance(99);
    assert.deepEqual(expired, []);
    clock.advance(1);
    assert.deepEqual(expired, ['b']);
    assert.ok(s.get(P('b'))!.isTombstone());
    clock.advance(1000);
    assert.deepEqual(expired, ['b', 'a']);
    assert.deepEqual(deletions, ['b', 'a']);
    assert.equal(clock.pending, 0);
  });

  it('a changed or re-armed value keeps living; clear removes the TTL', () => {
    const clock = new ManualClock();
    const s = new Store('n');
    s.markReady();
    const ttl = new TtlTable(s, clock);
    s.setValue(P('a'), 1);
    ttl.set(P('a'), 100);
    s.setValue(P('a'), 2); // changed: that TTL no longer applies
    assert.equal(ttl.remaining(P('a')), undefined);
    clock.advance(200);
    assert.equal(s.get(P('a'))!.value, 2);
    ttl.set(P('a'), 100);
    clock.advance(50);
    ttl.set(P('a'), 100); // refresh
    clock.advance(60);
    assert.equal(s.get(P('a'))!.value, 2);
    ttl.clear(P('a'));
    clock.advance(1000);
    assert.equal(s.get(P('a'))!.value, 2);
    assert.equal(ttl.size, 0);
  });
});
