// Our client against our server (a separate process, as deployed) on one loopback TCP
// connection: sequential and pipelined set_value / get_value, against a reference measured in
// the same run: a bare msgpack-over-TCP echo process (same codec, same framing, batched writes,
// no store) driven by a bare client, the ceiling for any server here. The bare client against
// our server shows the server's share alone; against the same server without request timers
// (`untimed`), the price of the /metrics latency histograms.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DistkvClient } from '../lib/client/client.js';
import { connectTcp } from '../lib/client/tcp.js';
import { Encoder, MsgStreamDecoder, type ValueObject } from '../store/codec.js';
import { Path } from '../store/path.js';

/** Starts bench/client-protocol-server.ts in its own process; resolves with its port. */
async function serverProcess(kind: 'echo' | 'distkv' | 'untimed'): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'client-protocol-server.ts'), kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    proc.once('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
  return { port, proc };
}

/** The server process's CPU time so far (µs, user + system). */
function cpuOf(p: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    p.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    p.stdin!.write('cpu\n');
  });
}

async function stopProcess(p: ChildProcess): Promise<void> {
  const gone = new Promise((r) => p.once('exit', r));
  p.stdin!.end();
  await gone;
}

const N = Number(process.env.BENCH_N ?? 20_000);
const VALUE = 'x'.repeat(64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TIMER_ROUNDS = Number(process.env.BENCH_TIMER_ROUNDS ?? 9);

/**
 * set_value requests from a bare client (one write per turn, replies only counted, not
 * interpreted): against the echo it is the ceiling, against our server it is the server's
 * share without our client library's.
 */
async function rawSets(port: number, inFlight: number): Promise<number> {
  const enc = new Encoder();
  const s = await connectTcp({ host: '127.0.0.1', port });
  // our server greets first; wait for it so the timing starts with a quiet connection
  await new Promise((r) => setTimeout(r, 20));
  const dec = new MsgStreamDecoder();
  let got = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((done) => {
    const pump = (): void => {
      const batch: Uint8Array[] = [];
      while (sent < N && sent - got < inFlight) batch.push(enc.encode({ path: Path.of('bench', sent % 1000), value: VALUE, nchain: 0, action: 'set_value', seq: ++sent }));
      if (batch.length) s.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
    };
    s.onData((b) => {
      // our server's greeting has seq 0
      for (const m of dec.push(b)) if ((m as ValueObject).seq !== 0) got++;
      if (got >= N) done();
      else pump();
    });
    pump();
  });
  const ms = performance.now() - t0;
  s.destroy();
  return (N / ms) * 1000;
}

async function ours_(client: DistkvClient, inFlight: number, op: 'set' | 'get'): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      const p = Path.of('bench', i % 1000);
      if (op === 'set') await client.set(p, VALUE);
      else await client.get(p);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (N / (performance.now() - t0)) * 1000;
}

export async function main(): Promise<void> {
  const echo = await serverProcess('echo');
  const ours = await serverProcess('distkv');
  // the price of the request timers: two fresh servers, alike but for them, driven alike
  const timed = await serverProcess('distkv');
  const untimed = await serverProcess('untimed');
  const client = await DistkvClient.connect({ port: ours.port });
  const fmt = (x: number): string => `${(x / 1000).toFixed(1)} k ops/s`;
  try {
    // warm-up (JIT on both sides, the store's 1000 keys), then the best of ROUNDS interleaved runs:
    // the machine is shared, so one slow run says more about the neighbours than about us
    await ours_(client, 32, 'set');
    await ours_(client, 32, 'get');
    await rawSets(echo.port, 32);
    await rawSets(ours.port, 32);
    await rawSets(timed.port, 32);
    await rawSets(untimed.port, 32);
    for (const inFlight of [1, 32, 256]) {
      let ref = 0;
      let set = 0;
      let get = 0;
      let raw = 0;
      for (let r = 0; r < ROUNDS; r++) {
        ref = Math.max(ref, await rawSets(echo.port, inFlight));
        set = Math.max(set, await ours_(client, inFlight, 'set'));
        get = Math.max(get, await ours_(client, inFlight, 'get'));
        raw = Math.max(raw, await rawSets(ours.port, inFlight));
      }
      const x = (v: number): string => `${fmt(v)} (${(v / ref).toFixed(2)}x)`;
      console.log(
        `${inFlight === 1 ? 'sequential' : `pipelined (${inFlight} in flight)`}: bare msgpack echo ${fmt(ref)}; our client: set_value ${x(set)}, get_value ${x(get)}; bare client -> our server: set_value ${x(raw)}`,
      );
    }
    // request timers: the same bare load on two fresh servers alike but for them, back to back in
    // alternating order; medians of the paired ratios of throughput and of the servers' CPU time
    // per request (a neighbour's burst spoils one pair, not the figure; CPU time is the steadier)
    for (const inFlight of [1, 32, 256]) {
      const speed: number[] = [];
      const cpu: number[] = [];
      const cpuUs: Record<'timed' | 'untimed', number[]> = { timed: [], untimed: [] };
      for (let r = 0; r < TIMER_ROUNDS; r++) {
        const order = r % 2 ? [untimed, timed] : [timed, untimed];
        const got = new Map<unknown, { ops: number; us: number }>();
        for (const p of order) {
          const c0 = await cpuOf(p.proc);
          const ops = await rawSets(p.port, inFlight);
          got.set(p, { ops, us: ((await cpuOf(p.proc)) - c0) / N });
        }
        const t = got.get(timed)!;
        const u = got.get(untimed)!;
        speed.push(t.ops / u.ops);
        cpu.push(t.us / u.us);
        cpuUs.timed.push(t.us);
        cpuUs.untimed.push(u.us);
      }
      const med = (l: number[]): number => [...l].sort((p, q) => p - q)[l.length >> 1]!;
      console.log(
        `request timers, ${inFlight} in flight, ${TIMER_ROUNDS} pairs: server CPU per set_value timed ${med(cpuUs.timed).toFixed(2)} µs vs untimed ${med(cpuUs.untimed).toFixed(2)} µs, ` +
          `timed/untimed CPU median ${med(cpu).toFixed(3)} (range ${Math.min(...cpu).toFixed(2)}-${Math.max(...cpu).toFixed(2)}), throughput median ${med(speed).toFixed(3)} (range ${Math.min(...speed).toFixed(2)}-${Math.max(...speed).toFixed(2)})`,
      );
    }
  } finally {
    client.close();
    await stopProcess(echo.proc);
    await stopProcess(ours.proc);
    await stopProcess(timed.proc);
    await stopProcess(untimed.proc);
  }
}
