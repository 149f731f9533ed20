// memberlist's TransmitLimitedQueue (gossip/memberlist/broadcast.ts, a chunked sorted list) vs the
// sorted array it replaced (kept as test/gossip/memberlist/broadcast-model.ts), same run, same
// operations, at queue depths 100 / 1k / 10k. The shape is Serf's event queue under a write load:
// unique user events of 60–200 bytes, each write queued then pruned back to the depth (Serf's
// checkDepths drops the most-sent), and gossip packets drained with getBroadcasts(3, 1400)
// then refilled. Prints µs per operation (median over batches) and old/new ratios; and one prune
// of a 20k-deep queue down to 4096 (BQ_BENCH_PRUNE_FROM), as Serf's periodic depth check does.
// BQ_BENCH_MS: time per measurement.
import { TransmitLimitedQueue, type Broadcast } from '../gossip/memberlist/broadcast.js';
import { ArrayTransmitLimitedQueue } from '../test/gossip/memberlist/broadcast-model.js';

interface Queue {
  queueBroadcast(b: Broadcast): void;
  getBroadcasts(overhead: number, limit: number): Uint8Array[];
  numQueued(): number;
  prune(maxRetain: number): void;
}

const msgs = Array.from({ length: 4096 }, (_, i) => new Uint8Array(60 + ((i * 7919) % 141)));
let serial = 0;
const event = (): Broadcast => {
  const m = msgs[serial++ % msgs.length]!;
  return { message: () => m, unique: true };
};

/** A queue at `depth` whose entries are spread over the transmit tiers as in steady gossip. */
function filled(make: () => Queue, depth: number): Queue {
  const q = make();
  while (q.numQueued() < depth) {
    for (let i = 0; i < 40; i++) q.queueBroadcast(event());
    q.getBroadcasts(3, 1400);
  }
  q.prune(depth);
  return q;
}

/**
 * µs per call of `op` (which returns the ms it spent), for about `ms` milliseconds: the median
 * over batches of 32 calls, so a batch that the loaded machine descheduled does not count, while
 * occasional costs inside a batch (chunk splits) do.
 */
function perOp(ms: number, op: () => number): number {
  const batches: number[] = [];
  for (let total = 0; total < ms; ) {
    let spent = 0;
    for (let i = 0; i < 32; i++) spent += op();
    batches.push((spent * 1000) / 32);
    total += spent;
  }
  batches.sort((a, b) => a - b);
  return batches[batches.length >> 1]!;
}

function measure(make: () => Queue, depth: number, ms: number): { insert: number; get: number } {
  const q = filled(make, depth);
  const insert = perOp(ms, () => {
    const t = performance.now();
    q.queueBroadcast(event());
    q.prune(depth);
    return performance.now() - t;
  });
  const get = perOp(ms, () => {
    const t = performance.now();
    q.getBroadcasts(3, 1400);
    const spent = performance.now() - t;
    while (q.numQueued() < depth) q.queueBroadcast(event());
    return spent;
  });
  return { insert, get };
}

export async function main(): Promise<void> {
  const ms = Number(process.env.BQ_BENCH_MS ?? 300);
  const newQ = () => new TransmitLimitedQueue(4, () => 3);
  const oldQ = () => new ArrayTransmitLimitedQueue(4, () => 3);
  measure(newQ, 1000, ms / 3); // warm up both before timing
  measure(oldQ, 1000, ms / 3);
  for (const depth of [100, 1000, 10_000]) {
    const o = measure(oldQ, depth, ms);
    const n = measure(newQ, depth, ms);
    console.log(
      `depth ${String(depth).padStart(5)}: queue+prune old ${o.insert.toFixed(2)} µs, new ${n.insert.toFixed(2)} µs (old/new ${(o.insert / n.insert).toFixed(1)}x); ` +
        `getBroadcasts(1400 B) old ${o.get.toFixed(2)} µs, new ${n.get.toFixed(2)} µs (old/new ${(o.get / n.get).toFixed(1)}x)`,
    );
  }
  // Serf's checkDepths runs every 30 s: under a write load the event queue is far deeper by then,
  // and one prune drops everything beyond maxQueueDepth (4096) at once.
  const deep = Number(process.env.BQ_BENCH_PRUNE_FROM ?? 20_000);
  const pruneMs = (make: () => Queue) => {
    const q = make();
    for (let i = 0; i < deep; i++) q.queueBroadcast(event());
    const t = performance.now();
    q.prune(4096);
    return performance.now() - t;
  };
  const po = pruneMs(oldQ);
  const pn = pruneMs(newQ);
  console.log(`prune ${deep} → 4096 at once: old ${po.toFixed(1)} ms, new ${pn.toFixed(1)} ms (old/new ${(po / pn).toFixed(0)}x)`);
}
