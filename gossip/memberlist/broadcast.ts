// memberlist's TransmitLimitedQueue: messages waiting to be piggybacked on gossip. Each is sent
// at most RetransmitMult·ceil(log10(N+1)) times; fewer-sent messages go first (then larger, then
// newer), and a new message about a node replaces the queued one about the same node. Serf uses
// the same queue for its own broadcasts, so it is exported for gossip/serf/.

import { SortedList } from './sorted-list.js';

/** A queued message. `finished` runs once when it is sent enough times or superseded. */
export interface Broadcast {
  message(): Uint8Array;
  /** Named broadcasts replace a queued broadcast with the same name (memberlist: node name). */
  readonly name?: string;
  /** Unique broadcasts never invalidate others (e.g. Serf user events). */
  readonly unique?: boolean;
  /** For unnamed, non-unique broadcasts: does this one make `other` obsolete? */
  invalidates?(other: Broadcast): boolean;
  finished?(): void;
}

/** memberlist retransmitLimit: mult · ceil(log10(n+1)). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

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

/**
 * Ordered like memberlist's btree, (transmits asc, length desc, id desc), but kept in a chunked
 * sorted list: under write load Serf's event queue is thousands deep, and a plain sorted array
 * shifted all of it on every insert and removal. Ties (ids repeat once the id generator restarts
 * at an empty queue) go in front of their equals, as they did in that array, so the order — and
 * with it the simulator's traces — is unchanged.
 */
export class TransmitLimitedQueue {
  private items = new SortedList<Limited>(before);
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
      // memberlist's slow path: only unnamed, non-unique broadcasts pay for a scan.
      const stale = this.items.toArray().filter((cur) => !cur.b.name && !cur.b.unique && b.invalidates!(cur.b));
      for (const cur of stale) {
        cur.b.finished?.();
        this.remove(cur);
      }
    }
    this.insert(lb);
  }

  /** Up to `limit` bytes of messages, each costing its length plus `overhead`. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const lowest = this.items.first();
    if (!lowest) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    let bytesUsed = 0;
    const toSend: Uint8Array[] = [];
    const reinsert: Limited[] = [];
    const maxTr = this.items.last()!.transmits;
    const probe: Limited = { transmits: 0, msgLen: 0, id: Infinity, b: lowest.b };
    for (let transmits = lowest.transmits; transmits <= maxTr; ) {
      const free = limit - bytesUsed - overhead;
      if (free <= 0) break;
      // The first entry at this tier that fits is the largest (then newest) one that does.
      probe.transmits = transmits;
      probe.msgLen = free;
      const keep = this.items.lowerBound(probe);
      if (!keep) break;
      if (keep.transmits !== transmits) {
        // Nothing at this tier fits and the tiers in between are empty: go straight to keep's.
        transmits = keep.transmits;
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
    return this.items.size;
  }

  /** Drops everything, calling each `finished`. */
  reset(): void {
    for (const cur of this.items.toArray()) cur.b.finished?.();
    this.items.clear();
    this.byName.clear();
    this.idGen = 0;
  }

  /** Keeps only the `maxRetain` most urgent messages. */
  prune(maxRetain: number): void {
    while (this.items.size > maxRetain) {
      const cur = this.items.last()!;
      cur.b.finished?.();
      this.remove(cur);
    }
  }

  private insert(lb: Limited): void {
    this.items.insert(lb);
    if (lb.b.name) this.byName.set(lb.b.name, lb);
  }

  private remove(lb: Limited): void {
    this.items.remove(lb);
    if (lb.b.name && this.byName.get(lb.b.name) === lb) this.byName.delete(lb.b.name);
    if (this.items.size === 0) this.idGen = 0;
  }
}
