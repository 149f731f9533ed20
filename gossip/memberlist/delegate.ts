// The hooks through which a layer above memberlist (our Serf) plugs in, mirroring memberlist's
// Delegate, EventDelegate, AliveDelegate, MergeDelegate, PingDelegate and ConflictDelegate.
// All are called synchronously from the memberlist event loop; they must not block and must not
// throw (an exception is caught, logged and the message dropped).
import type { Millis } from '../runtime.js';
import type { MemberNode } from './node.js';

/** Application data carried by memberlist (memberlist.Delegate). */
export interface Delegate {
  /** Metadata for our alive messages (Serf: its encoded tags); at most `limit` bytes. */
  nodeMeta(limit: number): Uint8Array;
  /** A user message arrived (UDP user message, or a reliable one over TCP). The buffer is ours to keep. */
  notifyMsg(msg: Uint8Array): void;
  /**
   * User broadcasts to piggyback on a gossip/probe packet: each costs its length plus `overhead`,
   * and the total must not exceed `limit`.
   */
  getBroadcasts(overhead: number, limit: number): Uint8Array[];
  /** Opaque state sent with our side of a push-pull (`join` on the joining exchange). */
  localState(join: boolean): Uint8Array;
  /** The remote side's `localState`, after its node list has been merged. */
  mergeRemoteState(buf: Uint8Array, join: boolean): void;
}

/** Membership changes (memberlist.EventDelegate). */
export interface EventDelegate {
  /** A node became alive (new, or back from dead/left). */
  notifyJoin(node: MemberNode): void;
  /** A node was declared dead or left (node.state tells which). */
  notifyLeave(node: MemberNode): void;
  /** An alive node's metadata changed. */
  notifyUpdate(node: MemberNode): void;
}

/** May veto an alive message before it is applied (memberlist.AliveDelegate); return an error text to reject. */
export interface AliveDelegate {
  notifyAlive(peer: MemberNode): string | undefined;
}

/** May veto a join's whole remote node list (memberlist.MergeDelegate); return an error text to abort the join. */
export interface MergeDelegate {
  notifyMerge(peers: MemberNode[]): string | undefined;
}

/**
 * RTT measurement hooks (memberlist.PingDelegate). Serf carries Vivaldi coordinates in the ack
 * payload. Called for direct UDP probes only, not for indirect or TCP fallback pings.
 */
export interface PingDelegate {
  /** Bytes to put in every ack we send. */
  ackPayload(): Uint8Array;
  /** A direct probe of `other` was acked after `rtt` with `payload` from the peer's ackPayload. */
  notifyPingComplete(other: MemberNode, rtt: Millis, payload: Uint8Array): void;
}

/** Two nodes claim one name from different addresses (memberlist.ConflictDelegate). */
export interface ConflictDelegate {
  notifyConflict(existing: MemberNode, other: MemberNode): void;
}

export interface Delegates {
  delegate?: Delegate;
  events?: EventDelegate;
  alive?: AliveDelegate;
  merge?: MergeDelegate;
  ping?: PingDelegate;
  conflict?: ConflictDelegate;
}
