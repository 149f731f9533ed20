// Where Serf's events go, in Go's order: internal queries are answered and stop here; the rest
// pass user-event coalescing, then member-event coalescing (each only if configured), then reach
// the application's callbacks and streams.
import type { Clock } from '../runtime.js';
import { Channel } from './channel.js';
import { Coalescer, MemberEventPolicy, UserEventPolicy } from './coalesce.js';
import type { SerfConfig } from './config.js';
import type { SerfEvent } from './events.js';
import { isInternalQuery } from './internal-query.js';
import type { IncomingQuery } from './query.js';

export class EventPipeline {
  private readonly subscribers = new Set<Channel<SerfEvent>>();
  private readonly handlers = new Set<(e: SerfEvent) => void>();
  private readonly coalescers: Coalescer[] = [];
  private readonly entry: (e: SerfEvent) => void;

  constructor(
    clock: Clock,
    config: Pick<SerfConfig, 'coalescePeriod' | 'quiescentPeriod' | 'userCoalescePeriod' | 'userQuiescentPeriod'>,
    answerInternal: (q: IncomingQuery) => void,
    private readonly onHandlerError: (err: unknown) => void,
    /** Sees every event first, internal queries included (Serf's snapshotter sits there). */
    tap?: (e: SerfEvent) => void,
  ) {
    let out = (e: SerfEvent) => this.publish(e);
    if (config.coalescePeriod > 0 && config.quiescentPeriod > 0) {
      const c = new Coalescer(clock, config.coalescePeriod, config.quiescentPeriod, new MemberEventPolicy(), out);
      this.coalescers.push(c);
      out = (e) => c.push(e);
    }
    if (config.userCoalescePeriod > 0 && config.userQuiescentPeriod > 0) {
      const c = new Coalescer(clock, config.userCoalescePeriod, config.userQuiescentPeriod, new UserEventPolicy(), out);
      this.coalescers.push(c);
      out = (e) => c.push(e);
    }
    const app = out;
    this.entry = (e) => {
      tap?.(e);
      if (e.type === 'query' && isInternalQuery(e.query.name)) answerInternal(e.query);
      else app(e);
    };
  }

  emit(e: SerfEvent): void {
    this.entry(e);
  }

  /** A new stream of every event from now on. */
  subscribe(): Channel<SerfEvent> {
    const ch = new Channel<SerfEvent>();
    this.subscribers.add(ch);
    return ch;
  }

  /** A synchronous callback; returns its unsubscribe. */
  onEvent(handler: (e: SerfEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Flushes held (coalesced) events and ends every stream. */
  close(): void {
    for (const c of this.coalescers) c.flush();
    for (const ch of this.subscribers) ch.close();
    this.subscribers.clear();
  }

  private publish(e: SerfEvent): void {
    for (const h of this.handlers) {
      try {
        h(e);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
    for (const ch of this.subscribers) {
      if (ch.closed) this.subscribers.delete(ch);
      else ch.push(e);
    }
  }
}
