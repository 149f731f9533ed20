// What the actor tells its owner (asyncactor/events.py), as a discriminated union.
import type { ActorMessage, ActorValue, NodeName } from './messages.js';

/** "For the moment, you're it" (TagEvent). DistKV: send `info {missing}`. */
export interface TagEvent {
  readonly type: 'tag';
  readonly node: NodeName;
  readonly value: ActorValue;
}

/** The tag time is over (UntagEvent). */
export interface UntagEvent {
  readonly type: 'untag';
}

/** A better ping arrived while we were tagged (DetagEvent; in Python a subclass of UntagEvent). */
export interface DetagEvent {
  readonly type: 'detag';
  readonly node: NodeName;
}

/**
 * Another node is "it" (PingEvent): the last valid ping of a 2*gap window. In passive mode
 * (disabled) every message is passed on, including `init`/`vers`, as asyncactor does.
 */
export interface PingEvent {
  readonly type: 'ping';
  readonly msg: ActorMessage;
  /** The message's node (`history[0]` for `hist`), undefined for a `vers` without one. */
  readonly node: NodeName | undefined;
  /** The message's value (null for `init`/`vers`). */
  readonly value: ActorValue;
}

/** Our value is null and a node with a value pinged: these nodes have data (GoodNodeEvent). */
export interface GoodNodeEvent {
  readonly type: 'good-node';
  readonly nodes: readonly NodeName[];
}

/**
 * Diverging histories met: a healed split (RecoverEvent). `prio` is our position in our old
 * history (0 = most recent pinger on our side); `replace`: the other side's ping won.
 */
export interface RecoverEvent {
  readonly type: 'recover';
  readonly prio: number;
  readonly replace: boolean;
  readonly localNodes: readonly NodeName[];
  readonly remoteNodes: readonly NodeName[];
}

/** A higher config version arrived and was adopted (SetupEvent). Times in seconds. */
export interface SetupEvent {
  readonly type: 'setup';
  readonly version: number;
  readonly cycle: number;
  readonly gap: number;
  readonly nodes: number;
  readonly splits: number;
  readonly n_hosts: number;
}

/** Every incoming payload, before any filtering (RawMsgEvent; only with `sendRaw`). */
export interface RawMsgEvent {
  readonly type: 'raw';
  readonly msg: unknown;
}

/** The actor stopped because of `error`; no further events follow. */
export interface ErrorEvent {
  readonly type: 'error';
  readonly error: ActorError;
}

export type ActorEvent =
  | TagEvent
  | UntagEvent
  | DetagEvent
  | PingEvent
  | GoodNodeEvent
  | RecoverEvent
  | SetupEvent
  | RawMsgEvent
  | ErrorEvent;

export class ActorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActorError';
  }
}

/** Our own `init` never came back during startup: the transport does not deliver to us. */
export class ActorTimeoutError extends ActorError {
  constructor(node: NodeName) {
    super(`actor ${node}: own init message never arrived (transport broken?)`);
    this.name = 'ActorTimeoutError';
  }
}

/** Our own `init` arrived twice: another node uses our name. */
export class ActorCollisionError extends ActorError {
  constructor(node: NodeName) {
    super(`actor ${node}: another node uses this name (init seen twice)`);
    this.name = 'ActorCollisionError';
  }
}
