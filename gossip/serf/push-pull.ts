// Serf's state exchange on memberlist push-pull: we send our clocks, every member's status
// LTime, the left members and the whole event buffer; on receipt the peer's clocks are
// witnessed, left members become leave intents, others join intents, and buffered events are
// replayed through the normal user-event path (which dedups them).
import type { LamportClock } from './lamport.js';
import type { MemberTable } from './members.js';
import type { PushPullMessage, UserEventMessage } from './messages.js';
import type { UserEventBuffer } from './event-buffer.js';

export interface SerfClocks {
  clock: LamportClock;
  eventClock: LamportClock;
  queryClock: LamportClock;
}

export function buildLocalState(clocks: SerfClocks, members: MemberTable, events: UserEventBuffer): PushPullMessage {
  return {
    ltime: clocks.clock.time(),
    statusLTimes: members.statusLTimes(),
    leftMembers: members.leftMembers().map((m) => m.member.name),
    eventLTime: clocks.eventClock.time(),
    events: events.snapshot(),
    queryLTime: clocks.queryClock.time(),
  };
}

export interface MergeTarget {
  clocks: SerfClocks;
  members: MemberTable;
  events: UserEventBuffer;
  /** The user-event path (dedup, deliver, no rebroadcast needed here). */
  handleUserEvent(msg: UserEventMessage): void;
  /** A join with "ignore old events" is in progress. */
  joinIgnore: boolean;
}

export function mergeRemoteState(pp: PushPullMessage, isJoin: boolean, t: MergeTarget): void {
  // Minus one: the peer has not sent anything stamped with its current time yet.
  if (pp.ltime > 0) t.clocks.clock.witness(pp.ltime - 1);
  if (pp.eventLTime > 0) t.clocks.eventClock.witness(pp.eventLTime - 1);
  if (pp.queryLTime > 0) t.clocks.queryClock.witness(pp.queryLTime - 1);

  const status = new Map(pp.statusLTimes);
  // Left members first, one tick past their join time: the leave was accepted after it, and
  // without the +1 the intent would be ignored as old.
  const left = new Set(pp.leftMembers);
  for (const node of pp.leftMembers) t.members.leaveIntent({ ltime: (status.get(node) ?? 0) + 1, node, prune: false });
  for (const [node, ltime] of pp.statusLTimes) {
    if (!left.has(node)) t.members.joinIntent({ ltime, node });
  }

  if (isJoin && t.joinIgnore && pp.eventLTime > t.events.minTime) t.events.minTime = pp.eventLTime;

  for (const slot of pp.events) {
    if (slot === null) continue;
    for (const e of slot.events) t.handleUserEvent({ ltime: slot.ltime, name: e.name, payload: e.payload, cc: false });
  }
}
