// What a client connection needs from the server it belongs to: the store, identity, limits,
// and the seams for what comes next (replication broadcasts, persistence).
import type { Logger } from '../../gossip/runtime.js';
import type { ChangeEvent, Store } from '../../store/store.js';
import type { RangeSet } from '../../store/range-set.js';
import type { AuthOptions } from '../auth/session.js';

/** DistKV 0.57.4: the version the greeting announces (python clients only display it). */
export const PROTOCOL_VERSION: readonly number[] = [0, 57, 4];

/**
 * The replication layer as the client protocol sees it (next session: Serf broadcasts). Local
 * changes reach it through Store.onChange with origin 'local'; these are the extra hooks.
 */
export interface ReplicaHook {
  /** A node was removed with kill_node: broadcast `info {node_drop: [name]}`. */
  nodeDropped?(name: string): void;
  /** Every local change, after it is applied (python's update broadcast). */
  localChange?(ev: ChangeEvent): void;
  /** check_deleted from a peer (python resync_deleted): store/replica.ts Replica.checkDeleted fits. */
  checkDeleted?(nodes: Map<string, RangeSet>): void;
  /** fake_info / fake_info_send (python `internal mark`): store/replica.ts Replica.fakeInfo fits. */
  fakeInfo?(msg: Record<string, unknown>, broadcast: boolean): void;
  /**
   * The cluster's user events, for msg_send / msg_monitor (python `server.serf`); lib/node.ts's
   * serfBus fits. Absent = those commands answer with an error.
   */
  messages?: MessageBus;
  /** python `server.root` (default ":distkv"): prefix of topics that start with ':'. */
  messageRoot?: string;
}

/** Broadcast user events (store/replication/bus.ts EventBus has this shape). */
export interface MessageBus {
  /** Broadcast one event; false when the transport refused it (too big, closed). */
  send(name: string, payload: Uint8Array): boolean;
  /** Every event, our own included; returns an unsubscribe function. */
  onEvent(handler: (name: string, payload: Uint8Array) => void): () => void;
}

/** save/log commands; absent = those commands answer with an error. */
export interface Persistence {
  /** A full snapshot to `path` (python `save`). */
  save(path: string, full: boolean): Promise<void>;
  /** Start a change log at `path` (replacing a running one), or stop logging when undefined. */
  log(path: string | undefined, fetch: boolean): Promise<void>;
}

/** One connection's request timing (lib/metrics/histogram.ts ConnectionTimer). */
export interface RequestTimer {
  /** When the request being handled arrived. */
  start(): number;
  /** An incoming chunk's requests were all handled. */
  chunkDone(): void;
  /** The reply to the request that arrived at `t0` is about to be queued. */
  end(command: string, t0: number): void;
  /** Queued replies were written. */
  written(): void;
}

export interface ServerContext {
  readonly store: Store;
  readonly logger: Logger;
  /** The flow-control window offered in the greeting (python `server.buffer`, default 10). */
  readonly qlen: number;
  /** Changes a watch may fall behind before it is cut off (python: 100). */
  readonly watchBuffer: number;
  /** Largest accepted request in bytes. */
  readonly maxMessageBytes: number;
  readonly replica?: ReplicaHook;
  readonly persistence?: Persistence;
  /**
   * -data-dir's fsync policy: a promise for "every change applied so far is on disk", which a
   * reply waits for; undefined when nothing is pending (lib/data-dir/data-dir.ts).
   */
  readonly durable?: () => Promise<void> | undefined;
  /** Counted for /metrics (lib/metrics/): connections accepted, requests received. */
  readonly counters?: { connections: number; commands: number };
  /** Request latency per command for /metrics (lib/metrics/histogram.ts CommandTimers fits); absent = not timed. */
  readonly timers?: { connection(): RequestTimer };
  /** This server's auth options (hardened password records…); absent = lib/auth's defaults. */
  readonly auth?: AuthOptions;
}
