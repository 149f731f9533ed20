// What Serf reports to its application: member events (possibly coalesced, so several members
// each), user events and queries.
import type { LTime } from './lamport.js';
import type { MemberEvent } from './member.js';
import type { IncomingQuery } from './query.js';

export type { MemberEvent, MemberEventType } from './member.js';

export interface UserEvent {
  type: 'user';
  ltime: LTime;
  name: string;
  payload: Uint8Array;
  /** The sender allowed coalescing. */
  coalesce: boolean;
}

export interface QueryEvent {
  type: 'query';
  query: IncomingQuery;
}

export type SerfEvent = MemberEvent | UserEvent | QueryEvent;

export function isMemberEvent(e: SerfEvent): e is MemberEvent {
  return e.type.startsWith('member-');
}
