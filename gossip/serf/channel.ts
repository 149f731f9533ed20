// A small async channel, the stand-in for Go's buffered channels in Serf's API: producers push
// synchronously (never blocking the gossip loop) and a full buffer drops, as Go's `select` with
// a default does; consumers `for await` until it is closed and drained.

export class Channel<T> implements AsyncIterableIterator<T> {
  private queue: T[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private closedFlag = false;

  /** `capacity`: items held before pushes are refused (Infinity = unbounded). */
  constructor(readonly capacity = Infinity) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  /** Delivers or queues `v`; false when closed or full (the item is dropped). */
  push(v: T): boolean {
    if (this.closedFlag) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: v, done: false });
      return true;
    }
    if (this.length >= this.capacity) return false;
    this.queue.push(v);
    return true;
  }

  /** No more pushes; readers finish after draining what is queued. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
  }

  /** Takes a queued item without waiting. */
  poll(): T | undefined {
    if (this.head >= this.queue.length) return undefined;
    const v = this.queue[this.head++]!;
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) return Promise.resolve({ value: this.poll()!, done: false });
    if (this.closedFlag) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    this.queue = [];
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
