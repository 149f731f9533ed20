// Real loopback replication (issue 11): a write on one server → visible on the other two, for
// 3 of OUR `distkv server` processes vs 3 Python DistKV 0.57.4 servers (each on its own real
// `serf` agent), both clusters up at once and written alternately so load noise hits both alike.
// "Visible" = a `watch` on each of the two other servers delivered the new value (our client
// library on both sides); timed from just before the write's request is sent. Sequential writes,
// one at a time; median / p95 / max over N writes, and the ratio ours / Python.
// Rounds: 16 B values (one Serf event each), 2 KiB values (5 `_p0` parts on both sides), then
// 64 KiB values (ours: a notice + a TCP fetch, the cluster being all ours; Python: ~150 `_p0`
// events through Serf — the design difference, not a like-for-like race).
//   REPL_BENCH_WRITES (default 40 small; a quarter of it, at least 5, big)
//   REPL_BENCH_ROUNDS=16B,2KiB,64KiB (default all), REPL_BENCH_VERBOSE=1 prints every time
// Both clusters use the `local` memberlist profile and ping cycle 3 / gap 1 (pings do not carry
// updates; they only shorten the start).
import { DistkvClient, type ReplyStream } from '../lib/client/client.js';
import { Path } from '../store/path.js';
import { distkvPyAvailable, freePort, serfAvailable, startDistkvPy, startSerfAgent, stopAllPeers } from '../test/interop/peers.js';
import { startOurServer } from '../test/interop/distkv-server-helpers.js';

interface Cluster {
  name: string;
  ports: number[];
}

/** A watcher on one server: resolves the arrival time of a given value at a given key. */
class Watcher {
  private readonly waiting = new Map<string, (t: number) => void>();
  private readonly seen = new Map<string, number>();
  private constructor(
    readonly client: DistkvClient,
    private readonly stream: ReplyStream,
  ) {}

  static async open(port: number): Promise<Watcher> {
    const c = await DistkvClient.connect({ host: '127.0.0.1', port, timeoutMs: 10_000 });
    const w = new Watcher(c, c.watch(Path.parse('bench'), { fetch: false }));
    void w.run();
    return w;
  }

  private async run(): Promise<void> {
    try {
      for await (const m of this.stream) {
        const t = performance.now();
        if (!('value' in m) || typeof m.value !== 'string') continue;
        const key = m.value.slice(0, 32);
        const f = this.waiting.get(key);
        if (f) {
          this.waiting.delete(key);
          f(t);
        } else this.seen.set(key, t);
      }
    } catch {
      // closed at the end
    }
  }

  arrival(key: string, timeoutMs: number): Promise<number> {
    const t = this.seen.get(key);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`value ${key} did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

async function startOurs(): Promise<Cluster> {
  const a = await startOurServer('rbA', ['-I', 'bench']);
  const [b, c] = await Promise.all([
    startOurServer('rbB', ['-join', a.bind], { timeoutMs: 90_000 }),
    startOurServer('rbC', ['-join', a.bind], { timeoutMs: 90_000 }),
  ]);
  return { name: 'ours', ports: [a.clientPort, b.clientPort, c.clientPort] };
}

async function startPython(): Promise<Cluster> {
  const ping = { cycle: 3, gap: 1 };
  const ports = [await freePort(), await freePort(), await freePort()];
  const hostmap = { rpA: `127.0.0.1:${ports[0]}`, rpB: `127.0.0.1:${ports[1]}`, rpC: `127.0.0.1:${ports[2]}` };
  const a = await startSerfAgent({ node: 'rpa', profile: 'local' });
  const [b, c] = await Promise.all([startSerfAgent({ node: 'rpb', profile: 'local', join: [a.bind] }), startSerfAgent({ node: 'rpc', profile: 'local', join: [a.bind] })]);
  await startDistkvPy({ name: 'rpA', serfRpcPort: a.rpcPort, clientPort: ports[0], init: 'bench', ping, hostmap, verbosity: 0 });
  await Promise.all([
    startDistkvPy({ name: 'rpB', serfRpcPort: b.rpcPort, clientPort: ports[1], ping, hostmap, verbosity: 0, readyTimeoutMs: 90_000 }),
    startDistkvPy({ name: 'rpC', serfRpcPort: c.rpcPort, clientPort: ports[2], ping, hostmap, verbosity: 0, readyTimeoutMs: 90_000 }),
  ]);
  return { name: 'python', ports };
}

/** One write on the cluster's first server; ms until both others' watches delivered it. */
async function oneWrite(writer: DistkvClient, watchers: Watcher[], i: number, bytes: number, tag: string): Promise<number> {
  const key = `${tag}-${i}-`.padEnd(32, '.');
  const value = key + 'x'.repeat(Math.max(0, bytes - key.length));
  const arrivals = watchers.map((w) => w.arrival(key, 120_000));
  const t0 = performance.now();
  await writer.set(Path.parse(`bench.k${i % 8}`), value);
  const last = Math.max(...(await Promise.all(arrivals)));
  return last - t0;
}

function stats(xs: number[]): { median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

export async function main(): Promise<void> {
  if (!serfAvailable() || !distkvPyAvailable()) {
    console.log('SKIPPED replication-real: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh)');
    return;
  }
  const n = Number(process.env.REPL_BENCH_WRITES ?? 40);
  const only = process.env.REPL_BENCH_ROUNDS?.split(',');
  const rounds: { label: string; bytes: number; writes: number }[] = [
    { label: '16 B', bytes: 16, writes: n },
    { label: '2 KiB', bytes: 2 << 10, writes: n },
    { label: '64 KiB', bytes: 64 << 10, writes: Math.max(5, Math.round(n / 4)) },
  ];
  const open: DistkvClient[] = [];
  const watchers: Watcher[] = [];
  try {
    const t = performance.now();
    const clusters = await Promise.all([startOurs(), startPython()]);
    console.log(`clusters up in ${((performance.now() - t) / 1000).toFixed(1)} s: ${clusters.map((c) => `${c.name} ${c.ports.join(',')}`).join('; ')}`);
    const sides = await Promise.all(
      clusters.map(async (c) => {
        const writer = await DistkvClient.connect({ host: '127.0.0.1', port: c.ports[0]!, timeoutMs: 10_000 });
        open.push(writer);
        const ws = await Promise.all(c.ports.slice(1).map((p) => Watcher.open(p)));
        watchers.push(...ws);
        return { c, writer, ws };
      }),
    );
    for (const r of rounds.filter((x) => !only || only.includes(x.label.replace(' ', '')))) {
      const times = new Map<string, number[]>(sides.map((s) => [s.c.name, []]));
      for (let i = 0; i < r.writes + 1; i++) {
        for (const s of sides) {
          const ms = await oneWrite(s.writer, s.ws, i, r.bytes, `${r.label}-${s.c.name}`);
          if (i > 0) times.get(s.c.name)!.push(ms); // the first write of a round warms up
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      if (process.env.REPL_BENCH_VERBOSE) for (const [k, v] of times) console.log(`  ${k}: ${v.map((x) => x.toFixed(0)).join(' ')}`);
      const [o, p] = [stats(times.get('ours')!), stats(times.get('python')!)];
      const f = (x: number) => `${x.toFixed(0)} ms`;
      console.log(`write → visible on the 2 other servers, ${r.label} values, ${r.writes} writes each (sequential, alternating clusters):`);
      console.log(`  ours (3 distkv server)      median ${f(o.median)}  p95 ${f(o.p95)}  max ${f(o.max)}`);
      console.log(`  python (3 DistKV on serf)   median ${f(p.median)}  p95 ${f(p.p95)}  max ${f(p.max)}`);
      console.log(`  ratio ours/python           median ${(o.median / p.median).toFixed(2)}x  p95 ${(o.p95 / p.p95).toFixed(2)}x`);
    }
  } finally {
    for (const w of watchers) w.close();
    for (const c of open) c.close();
    await stopAllPeers();
  }
}
