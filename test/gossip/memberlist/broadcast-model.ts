// The TransmitLimitedQueue as it was before gossip/memberlist/sorted-list.ts: one sorted array,
// spliced on every insert and removal (O(n)). Kept verbatim as the model that the chunked queue
// must match operation for operation (broadcast-order.test.ts) and as the bench's reference.
import { retransmitLimit, type Broadcast } from '../../../gossip/memberlist/broadcast.js';

interface Limited {
  transmits: number;
  msgLen: number;
  id: number;
  b: Broadcast;
}

function before(a: Limited, b: Limited): boolean {
  if (a.transmits !== b.transmits) return a.transmits < b.transmits;
  if (a.msgLen !== b.msgLen) return a.msgLen > b.msgLen;
  return a.id > b.id;
}

export class ArrayTransmitLimitedQueue {
  /** Kept sorted by (transmits asc, length desc, id desc). */
  private items: Limited[] = [];
  private byName = new Map<string, Limited>();
  private idGen = 0;

  constructor(
    readonly retransmitMult: number,
    private readonly numNodes: () => number,
  ) {}

  queueBroadcast(b: Broadcast, initialTransmits = 0): void {
    this.idGen = this.idGen >= Number.MAX_SAFE_INTEGER ? 1 : this.idGen + 1;
    const lb: Limited = { transmits: initialTransmits, msgLen: b.message().length, id: this.idGen, b };
    if (b.name !== undefined && b.name !== '') {
      const old = this.byName.get(b.name);
      if (old) {
        old.b.finished?.();
        this.remove(old);
      }
    } else if (!b.unique && b.invalidates) {
      const stale = this.items.filter((cur) => !cur.b.name && !cur.b.unique && b.invalidates!(cur.b));
      for (const cur of stale) {
        cur.b.finished?.();
        this.remove(cur);
      }
    }
    this.insert(lb);
  }

  /** Up to `limit` bytes of messages, each costing its length plus `overhead`. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    if (this.items.length === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    let bytesUsed = 0;
    const toSend: Uint8Array[] = [];
    const reinsert: Limited[] = [];
    const maxTr = this.items[this.items.length - 1]!.transmits;
    for (let transmits = this.items[0]!.transmits; transmits <= maxTr; ) {
      const free = limit - bytesUsed - overhead;
      if (free <= 0) break;
      const keep = this.items.find((cur) => cur.transmits === transmits && cur.msgLen <= free);
      if (!keep) {
        transmits++;
        continue;
      }
      const msg = keep.b.message();
      bytesUsed += overhead + msg.length;
      toSend.push(msg);
      this.remove(keep);
      if (keep.transmits + 1 >= transmitLimit) {
        keep.b.finished?.();
      } else {
        keep.transmits++;
        reinsert.push(keep);
      }
    }
    for (const cur of reinsert) this.insert(cur);
    return toSend;
  }

  numQueued(): number {
    return this.items.length;
  }

  /** Drops everything, calling each `finished`. */
  reset(): void {
    for (const cur of this.items) cur.b.finished?.();
    this.items = [];
    this.byName.clear();
    this.idGen = 0;
  }

  /** Keeps only the `maxRetain` most urgent messages. */
  prune(maxRetain: number): void {
    while (this.items.length > maxRetain) {
      const cur = this.items[this.items.length - 1]!;
      cur.b.finished?.();
      this.remove(cur);
    }
  }

  private insert(lb: Limited): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.items[mid]!, lb)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, lb);
    if (lb.b.name) this.byName.set(lb.b.name, lb);
  }

  private remove(lb: Limited): void {
    const i = this.items.indexOf(lb);
    if (i >= 0) this.items.splice(i, 1);
    if (lb.b.name && this.byName.get(lb.b.name) === lb) this.byName.delete(lb.b.name);
    if (this.items.length === 0) this.idGen = 0;
  }
}
