// etcd v2 API throughput, ours vs real etcd 3.4 (--enable-v2) in the same run: autocannon with 64
// connections, 64-byte values over 1000 keys. PUT and GET req/s and p99 latency, and the ratios
// (goals: PUT >= 2x etcd, GET >= 1.2x). Each server is its own process on loopback; the load
// generator runs here. ETCD_BENCH_SECONDS (default 10) per measurement.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdAvailable, freePort, startEtcd, stopAllPeers, waitFor } from '../test/interop/peers.js';
import { startOurServer } from '../test/interop/distkv-server-helpers.js';

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const KEYS = 1000;
const VALUE = 'v'.repeat(64);

async function load(url: string, method: 'PUT' | 'GET', seconds: number): Promise<Load> {
  // @ts-expect-error autocannon ships no types
  const { default: autocannon } = (await import('autocannon')) as { default: (o: object) => Promise<AutocannonResult> };
  let i = 0;
  const body = `value=${VALUE}`;
  const r = await autocannon({
    url,
    connections: 64,
    duration: seconds,
    requests: [
      {
        method,
        headers: method === 'PUT' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
        body: method === 'PUT' ? body : undefined,
        setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `/v2/keys/bench/k${i++ % KEYS}` }),
      },
    ],
  });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  errors: number;
  non2xx: number;
}

async function startOurs(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const here = dirname(fileURLToPath(import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'etcd-serve.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    proc.on('exit', (c) => reject(new Error(`etcd-serve exited ${c}`)));
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

async function fill(url: string): Promise<void> {
  for (let k = 0; k < KEYS; k += 50)
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        fetch(`${url}/v2/keys/bench/k${k + j}`, { method: 'PUT', body: `value=${VALUE}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => r.text()),
      ),
    );
}

const fmt = (l: Load) => `${(l.rps / 1000).toFixed(1)}k req/s, p99 ${l.p99} ms${l.errors || l.non2xx ? ` (errors ${l.errors}, non-2xx ${l.non2xx})` : ''}`;

export async function main(): Promise<void> {
  if (!etcdAvailable()) {
    console.log('SKIPPED: no /usr/bin/etcd (Debian etcd-server)');
    return;
  }
  try {
    // @ts-expect-error autocannon ships no types
    await import('autocannon');
  } catch {
    console.log('SKIPPED: autocannon is not installed (npm install -D autocannon)');
    return;
  }
  const seconds = Number(process.env.ETCD_BENCH_SECONDS ?? 10);
  const etcd = await startEtcd({ extraArgs: ['--log-level=error'] });
  const ours = await startOurs();
  try {
    await fill(etcd.clientUrl);
    await fill(ours.url);
    // warm-up (JIT for ours, caches for both), not measured
    for (const m of ['PUT', 'GET'] as const) for (const u of [ours.url, etcd.clientUrl]) await load(u, m, 2);
    const res: Record<string, { ours: Load; etcd: Load }> = {};
    // alternating rounds, best of each: the machine is shared and its load drifts
    const rounds = Number(process.env.ETCD_BENCH_ROUNDS ?? 2);
    const best = (a: Load | undefined, b: Load) => (!a || b.rps > a.rps ? b : a);
    for (const m of ['PUT', 'GET'] as const) {
      let o: Load | undefined;
      let e: Load | undefined;
      for (let r = 0; r < rounds; r++) {
        o = best(o, await load(ours.url, m, seconds));
        e = best(e, await load(etcd.clientUrl, m, seconds));
      }
      res[m] = { ours: o!, etcd: e! };
      console.log(`${m}: ours ${fmt(o!)} | etcd ${fmt(e!)} | ratio ${(o!.rps / e!.rps).toFixed(2)}x (p99 ${(e!.p99 / Math.max(o!.p99, 1e-9)).toFixed(2)}x better)`);
    }
    console.log(`etcd-v2 put-ratio ${(res.PUT!.ours.rps / res.PUT!.etcd.rps).toFixed(2)} get-ratio ${(res.GET!.ours.rps / res.GET!.etcd.rps).toFixed(2)} (goals 2.00 / 1.20)`);
    if (process.env.ETCD_BENCH_CLUSTER === '1') await cluster(seconds, res.PUT!.etcd, res.GET!.etcd);
  } finally {
    ours.proc.kill('SIGTERM');
    await etcd.kill();
  }
}

/**
 * ETCD_BENCH_CLUSTER=1: three replicating `distkv server` processes with --etcd-addr; the load
 * goes to the first (every write is replicated to the other two), against the single etcd above.
 */
async function cluster(seconds: number, etcdPut: Load, etcdGet: Load): Promise<void> {
  const urls: string[] = [];
  const args = async () => {
    const p = await freePort();
    urls.push(`http://127.0.0.1:${p}`);
    return ['--etcd-addr', `127.0.0.1:${p}`, '-log-level', 'warn'];
  };
  try {
    const a = await startOurServer('benchA', ['-I', 'hello', ...(await args())], { timeoutMs: 60_000 });
    await startOurServer('benchB', ['-join', a.bind, ...(await args())], { timeoutMs: 60_000 });
    await startOurServer('benchC', ['-join', a.bind, ...(await args())], { timeoutMs: 60_000 });
    await fill(urls[0]!);
    await load(urls[0]!, 'PUT', 2);
    const put = await load(urls[0]!, 'PUT', seconds);
    // B must hold every key before it is read (replication may lag behind the PUT load)
    await waitFor(
      async () => {
        const r = (await (await fetch(`${urls[1]}/v2/keys/bench`)).json()) as { node?: { nodes?: unknown[] } };
        return r.node?.nodes?.length === KEYS;
      },
      120_000,
      'node B has all keys',
      500,
    );
    const get = await load(urls[1]!, 'GET', seconds);
    console.log(`3 replicating nodes: PUT on one ${fmt(put)} (${(put.rps / etcdPut.rps).toFixed(2)}x single etcd) | GET on another ${fmt(get)} (${(get.rps / etcdGet.rps).toFixed(2)}x)`);
  } finally {
    await stopAllPeers();
  }
}
