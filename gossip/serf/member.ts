// Serf's view of one member and the events it reports about members.
import type { Millis } from '../runtime.js';
import type { LTime } from './lamport.js';
import { MemberStatus, type WireMember } from './messages.js';

/** A member as we hold it: the wire form, with an address always known. */
export interface Member extends Omit<WireMember, 'addr'> {
  /** Raw IP bytes (4 or 16). */
  addr: Uint8Array;
}

/** Our record: the member plus the Lamport time of its last status message and when it left/failed. */
export interface MemberState {
  member: Member;
  statusLTime: LTime;
  /** Clock time it was marked left/failed (for reaping); undefined while alive. */
  leaveTime?: Millis;
}

export type MemberEventType = 'member-join' | 'member-leave' | 'member-failed' | 'member-update' | 'member-reap';

export interface MemberEvent {
  type: MemberEventType;
  members: Member[];
}

export function copyMember(m: Member): Member {
  return { ...m, tags: new Map(m.tags) };
}

export function toWireMember(m: Member): WireMember {
  return { ...m, addr: m.addr, tags: new Map(m.tags) };
}

export { MemberStatus };
