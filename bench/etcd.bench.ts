// etcd v2 API throughput, ours vs real etcd 3.4 (--enable-v2) in the same run: wrk or autocannon with 64
// connections, 64-byte values over 1000 keys. PUT and GET req/s and p99 latency, and the ratios
// (goals: PUT >= 2x etcd, GET >= 1.2x). Each server is its own process on loopback; the load
// generator (wrk if installed, else autocannon) runs apart from both. CPU per request is read from
// /proc for each server: it is steadier than req/s on a shared machine. ETCD_BENCH_SECONDS
// (default 10) per measurement, ETCD_BENCH_ROUNDS (default 2) alternating rounds, best kept;
// ETCD_BENCH_TOOL=autocannon forces autocannon.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdAvailable, freePort, startEtcd, stopAllPeers, waitFor } from '../test/interop/peers.js';
import { startOurServer } from '../test/interop/distkv-server-helpers.js';

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time (user + system) of the measured server process(es) per request, microseconds. */
  cpuUs: number;
}

const KEYS = 1000;
const VALUE = 'v'.repeat(64);
const WRK = '/usr/bin/wrk';
const CLK_TCK = 100;
/** wrk unless ETCD_BENCH_TOOL=autocannon or wrk is not installed. */
const useWrk = () => process.env.ETCD_BENCH_TOOL !== 'autocannon' && existsSync(WRK);

/** utime + stime of a process, in clock ticks (Linux /proc). */
function cpuTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return NaN;
  }
}

/**
 * `connections` connections for `seconds` against url, keys bench/k0..k999 in turn. wrk (C, Debian
 * `wrk`) when installed: it needs far less CPU than autocannon (Node) to make the same load, which
 * matters on a 2-core box where the generator, the server and etcd's threads share the cores.
 */
async function load(url: string, method: 'PUT' | 'GET', seconds: number, pids: number[]): Promise<Load> {
  const t0 = pids.reduce((s, p) => s + cpuTicks(p), 0);
  const l = useWrk() ? await wrkLoad(url, method, seconds) : await autocannonLoad(url, method, seconds);
  const ticks = pids.reduce((s, p) => s + cpuTicks(p), 0) - t0;
  return { ...l, cpuUs: (ticks * (1e6 / CLK_TCK)) / Math.max(1, l.rps * seconds) };
}

const WRK_SCRIPT = `
local i = 0
local m = os.getenv("ETCD_BENCH_METHOD")
local body = "value=" .. string.rep("v", 64)
local hdr = { ["Content-Type"] = "application/x-www-form-urlencoded" }
request = function()
  i = i + 1
  if m == "PUT" then return wrk.format("PUT", "/v2/keys/bench/k" .. (i % ${KEYS}), hdr, body) end
  return wrk.format("GET", "/v2/keys/bench/k" .. (i % ${KEYS}))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration, latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
`;

async function wrkLoad(url: string, method: 'PUT' | 'GET', seconds: number): Promise<Omit<Load, 'cpuUs'>> {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-bench-'));
  const script = join(dir, 'load.lua');
  writeFileSync(script, WRK_SCRIPT);
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(WRK, ['-t1', '-c64', `-d${seconds}s`, '-s', script, url], { env: { ...process.env, ETCD_BENCH_METHOD: method }, stdio: ['ignore', 'pipe', 'inherit'] });
      let o = '';
      p.stdout.on('data', (d: Buffer) => (o += d.toString()));
      p.on('error', reject);
      p.on('exit', () => resolve(o));
    });
    const m = /RESULT (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
    if (!m) throw new Error(`wrk printed no result:\n${out}`);
    const [n, us, p99us, non2xx, errors] = m.slice(1).map(Number) as [number, number, number, number, number];
    return { rps: n / (us / 1e6), p99: p99us / 1000, errors, non2xx };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function autocannonLoad(url: string, method: 'PUT' | 'GET', seconds: number): Promise<Omit<Load, 'cpuUs'>> {
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

async function fill(url: string, value = VALUE): Promise<void> {
  for (let k = 0; k < KEYS; k += 50)
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        fetch(`${url}/v2/keys/bench/k${k + j}`, { method: 'PUT', body: `value=${value}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => r.text()),
      ),
    );
}

/** How many of the bench keys hold `value` at url. */
async function holding(url: string, value: string): Promise<number> {
  const r = (await (await fetch(`${url}/v2/keys/bench`)).json()) as { node?: { nodes?: { value?: string }[] } };
  return (r.node?.nodes ?? []).filter((n) => n.value === value).length;
}

const fmt = (l: Load) => `${(l.rps / 1000).toFixed(1)}k req/s, p99 ${l.p99.toFixed(1)} ms, ${l.cpuUs.toFixed(0)} us CPU/req${l.errors || l.non2xx ? ` (errors ${l.errors}, non-2xx ${l.non2xx})` : ''}`;

export async function main(): Promise<void> {
  if (!etcdAvailable()) {
    console.log('SKIPPED: no /usr/bin/etcd (Debian etcd-server)');
    return;
  }
  if (!useWrk()) {
    try {
      // @ts-expect-error autocannon ships no types
      await import('autocannon');
    } catch {
      console.log('SKIPPED: neither wrk (Debian wrk) nor autocannon (npm install -D autocannon) is installed');
      return;
    }
  }
  console.log(`load: ${useWrk() ? 'wrk -t1' : 'autocannon (in this process)'}, 64 connections, 64 B values over ${KEYS} keys; each server its own process`);
  const seconds = Number(process.env.ETCD_BENCH_SECONDS ?? 10);
  const etcd = await startEtcd({ extraArgs: ['--log-level=error'] });
  const ours = await startOurs();
  try {
    await fill(etcd.clientUrl);
    await fill(ours.url);
    // warm-up (JIT for ours, caches for both), not measured
    const oursPids = [ours.proc.pid!];
    const etcdPids = [etcd.proc.pid!];
    for (const m of ['PUT', 'GET'] as const) {
      await load(ours.url, m, 2, oursPids);
      await load(etcd.clientUrl, m, 2, etcdPids);
    }
    const res: Record<string, { ours: Load; etcd: Load }> = {};
    // alternating rounds, best of each: the machine is shared and its load drifts
    const rounds = Number(process.env.ETCD_BENCH_ROUNDS ?? 2);
    const best = (a: Load | undefined, b: Load) => (!a || b.rps > a.rps ? b : a);
    for (const m of ['PUT', 'GET'] as const) {
      let o: Load | undefined;
      let e: Load | undefined;
      for (let r = 0; r < rounds; r++) {
        o = best(o, await load(ours.url, m, seconds, oursPids));
        e = best(e, await load(etcd.clientUrl, m, seconds, etcdPids));
      }
      res[m] = { ours: o!, etcd: e! };
      console.log(`${m}: ours ${fmt(o!)} | etcd ${fmt(e!)} | ratio ${(o!.rps / e!.rps).toFixed(2)}x (p99 ${(e!.p99 / Math.max(o!.p99, 1e-9)).toFixed(2)}x better, CPU/req ${(e!.cpuUs / o!.cpuUs).toFixed(2)}x less)`);
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
    const b = await startOurServer('benchB', ['-join', a.bind, ...(await args())], { timeoutMs: 60_000 });
    const c = await startOurServer('benchC', ['-join', a.bind, ...(await args())], { timeoutMs: 60_000 });
    const pids = [a, b, c].map((x) => x.proc.pid!);
    await fill(urls[0]!);
    await load(urls[0]!, 'PUT', 2, pids);
    const put = await load(urls[0]!, 'PUT', seconds, pids);
    // replication throughput: 1000 writes of a new value on A, until B and C hold every one
    // (a marker is not enough: the gossip queue sends the newest first, the oldest may be dropped
    // and come later through DistKV's gap repair)
    const mark = `r${Date.now()}`;
    const t0 = Date.now();
    await fill(urls[0]!, mark);
    const tWritten = Date.now() - t0;
    for (const u of urls.slice(1)) await waitFor(async () => (await holding(u, mark)) === KEYS, 300_000, 'every write replicated', 100);
    const lag = Date.now() - t0;
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
    const get = await load(urls[1]!, 'GET', seconds, [pids[1]!]);
    console.log(
      `3 replicating nodes: PUT on one ${fmt(put)} (CPU summed over the 3; ${(put.rps / etcdPut.rps).toFixed(2)}x single etcd), ${KEYS} new writes on A (${tWritten} ms) held by B and C after ${lag} ms = ${((KEYS / lag) * 1000).toFixed(0)} replicated writes/s | GET on another ${fmt(get)} (${(get.rps / etcdGet.rps).toFixed(2)}x)`,
    );
  } finally {
    await stopAllPeers();
  }
}
