// The cost of -data-dir: our client against our server on one loopback connection, set_value
// sequential and pipelined, with no data dir (the reference, same run), with fsync 'interval'
// (python's: flush after 1 s idle / 100 records, acks do not wait) and 'ack' (group commit: a
// reply waits for the fsync covering its change). Then a snapshot's write and restore speed.
// BENCH_N writes per case (default 5000), BENCH_KEYS keys for snapshot/restore (default 200000).
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistkvClient } from '../lib/client/client.js';
import { DataDir, type FsyncPolicy } from '../lib/data-dir/data-dir.js';
import { dataFilePath } from '../lib/data-dir/layout.js';
import { captureSnapshot } from '../lib/data-dir/snapshot.js';
import { listenTcp, MemoryLogger, RealClock } from '../lib/runtime/index.js';
import { DistkvServer } from '../lib/server.js';
import { Path } from '../store/path.js';
import { Store } from '../store/store.js';

const N = Number(process.env.BENCH_N ?? 5000);
const KEYS = Number(process.env.BENCH_KEYS ?? 200_000);
const VALUE = 'x'.repeat(64);

async function sets(fsync: FsyncPolicy | undefined, inFlight: number, dir: string): Promise<{ rate: number; syncs: number }> {
  const logger = new MemoryLogger('warn');
  const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
  const server = new DistkvServer({
    name: 'bench',
    clock: new RealClock(),
    logger,
    clientTransport: transport,
    init: 'x',
    ...(fsync ? { dataDir: { dir: join(dir, `${fsync}-${inFlight}`), fsync } } : {}),
  });
  await server.start();
  const client = await DistkvClient.connect({ port: transport.localAddr().port });
  const before = server.dataDir?.stats().syncs ?? 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      await client.set(Path.of('bench', i % 1000), VALUE);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const rate = (N / (performance.now() - t0)) * 1000;
  const syncs = (server.dataDir?.stats().syncs ?? 0) - before;
  client.close();
  await server.stop();
  return { rate, syncs };
}

/** The disk's own pace in this run: median ms of (append 100 bytes + fsync). */
async function fsyncMs(dir: string): Promise<number> {
  const fh = await open(join(dir, 'fsync-probe'), 'a');
  const times: number[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      await fh.write(Buffer.alloc(100, 1));
      await fh.sync();
      times.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
  }
  return times.sort((a, b) => a - b)[25]!;
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dkv-bench-dd-'));
  const fmt = (x: number): string => `${(x / 1000).toFixed(2)} k sets/s`;
  try {
    const before = await fsyncMs(dir);
    console.log(`disk: append+fsync median ${before.toFixed(2)} ms (so at most ${(1000 / before).toFixed(0)} fsyncs/s)`);
    for (const inFlight of [1, 32, 256]) {
      const ref = await sets(undefined, inFlight, dir);
      const iv = await sets('interval', inFlight, dir);
      const ack = await sets('ack', inFlight, dir);
      console.log(
        `${inFlight} in flight: no data dir ${fmt(ref.rate)}; fsync interval ${fmt(iv.rate)} (${(iv.rate / ref.rate).toFixed(2)}x); ` +
          `fsync ack ${fmt(ack.rate)} (${(ack.rate / ref.rate).toFixed(2)}x, ${ack.syncs} fsyncs = ${(N / Math.max(1, ack.syncs)).toFixed(1)} acks per fsync)`,
      );
    }
    const after = await fsyncMs(dir);
    console.log(`disk after the runs: append+fsync median ${after.toFixed(2)} ms`);
    // snapshot + restore of KEYS keys
    const store = new Store('bench');
    store.markReady();
    for (let i = 0; i < KEYS; i++) store.setValue(Path.of('k', i >> 10, i & 1023), VALUE);
    const clock = new RealClock();
    const logger = new MemoryLogger('warn');
    let t0 = performance.now();
    captureSnapshot(store);
    const pauseMs = performance.now() - t0;
    const d = await DataDir.open({ dir: join(dir, 'snap'), store, clock, logger });
    t0 = performance.now();
    await d.begin();
    const snapMs = performance.now() - t0;
    await d.close();
    const bytes = (await stat(dataFilePath(join(dir, 'snap'), 1, 'snap'))).size;
    const s2 = new Store('bench');
    const d2 = await DataDir.open({ dir: join(dir, 'snap'), store: s2, clock, logger });
    t0 = performance.now();
    await d2.restore();
    const restoreMs = performance.now() - t0;
    await d2.close();
    const mb = bytes / 1e6;
    console.log(
      `snapshot of ${KEYS} keys (${mb.toFixed(1)} MB, checked format): event loop held ${(pauseMs / 1000).toFixed(2)} s (capture), written in ${(snapMs / 1000).toFixed(2)} s (${(mb / (snapMs / 1000)).toFixed(1)} MB/s); ` +
        `restored in ${(restoreMs / 1000).toFixed(2)} s (${(mb / (restoreMs / 1000)).toFixed(1)} MB/s, ${((KEYS / restoreMs) * 1000 / 1000).toFixed(0)} k keys/s)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
