// Serf's three gossip queues (membership intents, queries, user events), each a memberlist
// TransmitLimitedQueue of unique messages, drained in that order onto memberlist's packets.
import type { Clock, Millis, SubLogger } from '../runtime.js';
import { TransmitLimitedQueue, type Broadcast } from '../memberlist/broadcast.js';
import { queueMax } from './maintenance.js';
import { MessageType } from './messages.js';

export type QueueKind = 'intent' | 'event' | 'query';

/**
 * One of Serf's messages in a queue. A class rather than an object literal with an arrow: one
 * is queued per user event (per replicated write), and under tsx each arrow also cost a
 * defineProperty for its name.
 */
class UniqueBroadcast implements Broadcast {
  readonly unique = true;
  constructor(
    private readonly msg: Uint8Array,
    readonly finished?: () => void,
  ) {}

  message(): Uint8Array {
    return this.msg;
  }
}

export class SerfBroadcasts {
  readonly intents: TransmitLimitedQueue;
  readonly events: TransmitLimitedQueue;
  readonly queries: TransmitLimitedQueue;

  constructor(retransmitMult: number, numNodes: () => number) {
    this.intents = new TransmitLimitedQueue(retransmitMult, numNodes);
    this.events = new TransmitLimitedQueue(retransmitMult, numNodes);
    this.queries = new TransmitLimitedQueue(retransmitMult, numNodes);
  }

  queue(kind: QueueKind, msg: Uint8Array, finished?: () => void): void {
    const q = kind === 'intent' ? this.intents : kind === 'event' ? this.events : this.queries;
    q.queueBroadcast(new UniqueBroadcast(msg, finished));
  }

  /** Re-gossips a message accepted from the wire (a copy: the buffer may be reused). */
  rebroadcast(type: MessageType, raw: Uint8Array): void {
    this.queue(type === MessageType.UserEvent ? 'event' : type === MessageType.Query ? 'query' : 'intent', raw.slice());
  }

  /** What fits in `limit` bytes: intents first, then queries, then events (as Go's delegate). */
  get(overhead: number, limit: number): Uint8Array[] {
    const msgs = this.intents.getBroadcasts(overhead, limit);
    let used = msgs.reduce((n, m) => n + m.length + overhead, 0);
    const queries = this.queries.getBroadcasts(overhead, limit - used);
    used += queries.reduce((n, m) => n + m.length + overhead, 0);
    const events = this.events.getBroadcasts(overhead, limit - used);
    return [...msgs, ...queries, ...events];
  }

  /** Queues an intent and resolves once it has been sent enough times; rejects after `timeout`. */
  intentAndWait(clock: Clock, msg: Uint8Array, timeout: Millis, timeoutText: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = clock.setTimer(timeout, () => reject(new Error(timeoutText)));
      this.queue('intent', msg, () => {
        t.cancel();
        resolve();
      });
    });
  }

  /** Serf's checkQueueDepth for all three queues: warn when deep, prune beyond the limit. */
  checkDepths(cfg: { queueDepthWarning: number; maxQueueDepth: number; minQueueDepth: number }, numMembers: number, log: SubLogger): void {
    const max = queueMax(cfg.maxQueueDepth, cfg.minQueueDepth, numMembers);
    for (const [name, q] of [['Intent', this.intents], ['Event', this.events], ['Query', this.queries]] as const) {
      const n = q.numQueued();
      if (n >= cfg.queueDepthWarning) log.warn(`${name} queue depth`, { depth: n });
      if (n > max) {
        log.warn(`${name} queue depth exceeds limit, dropping messages`, { depth: n, max });
        q.prune(max);
      }
    }
  }

  depths(): { intent: number; event: number; query: number } {
    return { intent: this.intents.numQueued(), event: this.events.numQueued(), query: this.queries.numQueued() };
  }
}
