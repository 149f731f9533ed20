// Delivers actor events to listeners (synchronously, in order) and as async streams.
import type { SubLogger } from '../../gossip/runtime.js';
import type { ActorEvent } from './events.js';

export type ActorListener = (e: ActorEvent) => void;

export class EventHub {
  private readonly listeners = new Set<ActorListener>();
  private readonly closers: (() => void)[] = [];
  private closed = false;

  constructor(private readonly log?: SubLogger) {}

  on(listener: ActorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A listener that throws is logged, never allowed to break the actor mid-step. */
  emit(e: ActorEvent): void {
    if (this.closed) return;
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log?.error('actor event listener threw', { event: e.type, error: String(err) });
      }
    }
  }

  /** Ends every stream (after the events already queued in it). */
  close(): void {
    this.closed = true;
    for (const c of this.closers.splice(0)) c();
  }

  /** Events from now on; unbounded buffer, ends after close(). */
  stream(): AsyncIterableIterator<ActorEvent> {
    const queue: ActorEvent[] = [];
    let wake: (() => void) | undefined;
    let done = this.closed;
    const off = this.on((e) => {
      queue.push(e);
      wake?.();
    });
    this.closers.push(() => {
      done = true;
      wake?.();
    });
    const it: AsyncIterableIterator<ActorEvent> = {
      next: async (): Promise<IteratorResult<ActorEvent>> => {
        for (;;) {
          const e = queue.shift();
          if (e !== undefined) return { value: e, done: false };
          if (done) {
            off();
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<ActorEvent>> => {
        off();
        done = true;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }
}
