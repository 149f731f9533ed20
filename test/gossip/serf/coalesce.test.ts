import { strict as assert } from 'node:assert';
import type { Clock, Timer } from '../../../gossip/runtime.js';
import { Coalescer, MemberEventPolicy, UserEventPolicy } from '../../../gossip/serf/coalesce.js';
import type { SerfEvent } from '../../../gossip/serf/events.js';
import type { Member, MemberEventType } from '../../../gossip/serf/member.js';
import { MemberStatus } from '../../../gossip/serf/messages.js';

function manualClock() {
  let now = 0;
  const timers: { at: number; fn: () => void; dead: boolean }[] = [];
  const clock: Clock = {
    now: () => now,
    setTimer(ms, fn): Timer {
      const t = { at: now + ms, fn, dead: false };
      timers.push(t);
      return { cancel: () => void (t.dead = true) };
    },
  };
  return {
    clock,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => !t.dead && t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = due.at;
        due.dead = true;
        due.fn();
      }
      now = end;
    },
  };
}

const m = (name: string): Member => ({
  name, addr: Uint8Array.of(1, 2, 3, 4), port: 1, tags: new Map(), status: MemberStatus.Alive,
  protocolMin: 0, protocolMax: 0, protocolCur: 0, delegateMin: 0, delegateMax: 0, delegateCur: 0,
});
const me = (type: MemberEventType, ...names: string[]): SerfEvent => ({ type, members: names.map(m) });
const ue = (name: string, ltime: number, coalesce = true): SerfEvent => ({ type: 'user', ltime, name, payload: new Uint8Array(0), coalesce });
const show = (e: SerfEvent) => (e.type === 'user' ? `user:${e.name}@${e.ltime}` : e.type === 'query' ? 'query' : `${e.type}:${e.members.map((x) => x.name).join(',')}`);

describe('serf event coalescing', () => {
  it('member events: the latest per member, flushed after the quiescent period, grouped by type', () => {
    const c = manualClock();
    const out: string[] = [];
    const co = new Coalescer(c.clock, 1000, 200, new MemberEventPolicy(), (e) => out.push(show(e)));
    co.push(me('member-join', 'a'));
    co.push(me('member-join', 'b'));
    co.push(me('member-failed', 'a'));
    co.push(ue('x', 1));
    assert.deepEqual(out, ['user:x@1']); // not handled: passes straight through
    c.advance(199);
    assert.equal(out.length, 1);
    c.advance(1);
    assert.deepEqual(out.slice(1), ['member-join:b', 'member-failed:a']);
  });

  it('a steady stream is cut at the coalesce period', () => {
    const c = manualClock();
    const out: string[] = [];
    const co = new Coalescer(c.clock, 1000, 200, new MemberEventPolicy(), (e) => out.push(show(e)));
    for (let i = 0; i < 10; i++) {
      co.push(me('member-join', `n${i}`));
      c.advance(150);
    }
    assert.ok(out.length >= 1);
    assert.equal(out[0], 'member-join:n0,n1,n2,n3,n4,n5,n6');
  });

  it('a repeat of the last flushed transition is dropped, updates are not', () => {
    const c = manualClock();
    const out: string[] = [];
    const co = new Coalescer(c.clock, 1000, 200, new MemberEventPolicy(), (e) => out.push(show(e)));
    co.push(me('member-join', 'a'));
    co.push(me('member-update', 'b'));
    c.advance(300);
    co.push(me('member-join', 'a'));
    co.push(me('member-update', 'b'));
    c.advance(300);
    assert.deepEqual(out, ['member-join:a', 'member-update:b', 'member-update:b']);
  });

  it('user events: only the newest LTime per name survives (all events at that LTime)', () => {
    const c = manualClock();
    const out: string[] = [];
    const co = new Coalescer(c.clock, 1000, 200, new UserEventPolicy(), (e) => out.push(show(e)));
    co.push(ue('deploy', 3));
    co.push(ue('deploy', 5));
    co.push(ue('deploy', 4));
    co.push(ue('deploy', 5));
    co.push(ue('other', 1));
    co.push(ue('nocoalesce', 1, false));
    assert.deepEqual(out, ['user:nocoalesce@1']);
    co.flush();
    assert.deepEqual(out.slice(1), ['user:deploy@5', 'user:deploy@5', 'user:other@1']);
  });
});
