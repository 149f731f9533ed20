// A MemberTable with recorded events and a manual clock, for the membership tests.
import type { MemberNode, Vsn } from '../../../gossip/memberlist/node.js';
import { NodeStateType } from '../../../gossip/memberlist/node.js';
import { LamportClock } from '../../../gossip/serf/lamport.js';
import type { MemberEvent } from '../../../gossip/serf/member.js';
import { MemberTable } from '../../../gossip/serf/members.js';
import { encodeTags } from '../../../gossip/serf/tags.js';

export function node(name: string, tags: Record<string, string> = {}, state = NodeStateType.Alive): MemberNode {
  return {
    name,
    addr: Uint8Array.of(127, 0, 0, 1),
    port: 7946,
    meta: encodeTags(new Map(Object.entries(tags))),
    state,
    vsn: [1, 5, 2, 2, 5, 4] as Vsn,
  };
}

export function table(self = 'me', pruneDelay = 6000) {
  let now = 0;
  const events: MemberEvent[] = [];
  const timers: { at: number; fn: () => void }[] = [];
  let refutes = 0;
  const forgotten: string[] = [];
  const clock = new LamportClock();
  const t = new MemberTable({ nodeName: self, pruneDelay }, clock, {
    now: () => now,
    emit: (e) => events.push(e),
    refuteLeave: () => refutes++,
    forget: (n) => forgotten.push(n),
    later: (ms, fn) => timers.push({ at: now + ms, fn }),
  });
  return {
    t,
    clock,
    events,
    forgotten,
    refutes: () => refutes,
    /** Event types with member names, then clears the log. */
    take(): string[] {
      const out = events.map((e) => `${e.type}:${e.members.map((m) => m.name).join(',')}`);
      events.length = 0;
      return out;
    },
    advance(ms: number) {
      now += ms;
      for (const x of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(x), 1);
        x.fn();
      }
    },
  };
}
