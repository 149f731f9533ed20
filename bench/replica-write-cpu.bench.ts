// CPU per replicated write on the writing server: 3 of our `distkv server` processes on loopback
// (local profile), `set_value` from our client library on the first one (REPL_CPU_INFLIGHT in
// flight, 64-byte values over 1000 keys), CPU (utime + stime from /proc) of each process per write.
// Reference in the same run: one server alone, same load. The writer's Serf event queue grows
// with every write until Serf's 30 s depth check, so REPL_CPU_WRITES (default 100 000) matters:
// the old sorted-array broadcast queue cost grew with it. REPL_CPU_PROFILE=file: also a CPU
// profile of the writing server during the timed writes (via an --import hook and SIGUSR2).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistkvClient } from '../lib/client/client.js';
import { Path } from '../store/path.js';
import { startOurServer, type OurServer } from '../test/interop/distkv-server-helpers.js';
import { stopAllPeers } from '../test/interop/peers.js';

const CLK_TCK = 100;

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** SIGUSR2 starts a CPU profile in the server, the next one writes it to $REPL_CPU_PROFILE_OUT. */
const PROFILE_HOOK = `import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const s = new Session();
s.connect();
let on = false;
process.on('SIGUSR2', () => {
  if (!on) s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval: 250 }, () => s.post('Profiler.start')));
  else s.post('Profiler.stop', (err, r) => { if (!err) writeFileSync(process.env.REPL_CPU_PROFILE_OUT, JSON.stringify(r.profile)); });
  on = !on;
});
`;

async function writes(port: number, n: number, inflight: number): Promise<void> {
  const c = await DistkvClient.connect({ host: '127.0.0.1', port, timeoutMs: 30_000 });
  try {
    const val = 'v'.repeat(64);
    let next = 0;
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (next < n) {
          const i = next++;
          await c.set(Path.parse(`bench.k${i % 1000}`), `${val}${i}`);
        }
      }),
    );
  } finally {
    c.close();
  }
}

/** µs of CPU per write for each server, and writes/s, over `n` writes on the first. */
async function measure(servers: OurServer[], n: number, inflight: number, profile?: string): Promise<{ cpuUs: number[]; rate: number }> {
  const pids = servers.map((s) => s.proc.pid!);
  await writes(servers[0]!.clientPort, 2000, inflight); // warm up
  if (profile) process.kill(pids[0]!, 'SIGUSR2');
  const t0 = pids.map(cpuTicks);
  const w0 = performance.now();
  await writes(servers[0]!.clientPort, n, inflight);
  const ms = performance.now() - w0;
  const cpuUs = pids.map((p, i) => ((cpuTicks(p) - t0[i]!) * (1e6 / CLK_TCK)) / n);
  if (profile) process.kill(pids[0]!, 'SIGUSR2');
  return { cpuUs, rate: (n / ms) * 1000 };
}

export async function main(): Promise<void> {
  const n = Number(process.env.REPL_CPU_WRITES ?? 100_000);
  const inflight = Number(process.env.REPL_CPU_INFLIGHT ?? 16);
  const profile = process.env.REPL_CPU_PROFILE;
  const dir = mkdtempSync(join(tmpdir(), 'repl-cpu-'));
  const quiet = ['-log-level', 'warn'];
  try {
    const single = await startOurServer('cpuSolo', ['-I', 'hello', ...quiet], { timeoutMs: 90_000 });
    const solo = await measure([single], n, inflight);
    await single.stop();

    const hook = join(dir, 'profile-hook.mjs');
    writeFileSync(hook, PROFILE_HOOK);
    const env = process.env.NODE_OPTIONS;
    if (profile) {
      process.env.NODE_OPTIONS = `${env ?? ''} --import ${hook}`.trim();
      process.env.REPL_CPU_PROFILE_OUT = profile;
    }
    const a = await startOurServer('cpuA', ['-I', 'hello', ...quiet], { timeoutMs: 90_000 });
    if (env === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = env;
    const b = await startOurServer('cpuB', ['-join', a.bind, ...quiet], { timeoutMs: 90_000 });
    const c = await startOurServer('cpuC', ['-join', a.bind, ...quiet], { timeoutMs: 90_000 });
    const three = await measure([a, b, c], n, inflight, profile);
    if (profile) await new Promise((r) => setTimeout(r, 3000)); // the hook writes the profile
    const [ca, cb, cc] = three.cpuUs.map((x) => x.toFixed(0));
    console.log(
      `${n} set_value, ${inflight} in flight: 3 nodes ${three.rate.toFixed(0)} writes/s, CPU/write writer ${ca} µs (others ${cb} / ${cc}) | ` +
        `single server ${solo.rate.toFixed(0)} writes/s, ${solo.cpuUs[0]!.toFixed(0)} µs | writer/single ${(three.cpuUs[0]! / solo.cpuUs[0]!).toFixed(2)}x`,
    );
    if (profile) console.log(`profile of the writer: ${profile}`);
  } finally {
    await stopAllPeers();
    rmSync(dir, { recursive: true, force: true });
  }
}
