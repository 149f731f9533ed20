// The Python DistKV client against the Python server and against ours (a `distkv server` process),
// side by side, same workload (64-byte values): sequential sets, sequential gets, sets with 32 in
// flight; then our client against both servers. Skips when the Python peer or serf is absent.
import { join } from 'node:path';
import { DistkvClient } from '../lib/client/client.js';
import { Path } from '../store/path.js';
import { distkvPyAvailable, distkvPyDir, runCommand, serfAvailable, startDistkvPy, startSerfAgent, stopAllPeers } from '../test/interop/peers.js';
import { startOurServer } from '../test/interop/distkv-server-helpers.js';

const N = Number(process.env.BENCH_PY_N ?? 2000);
const VALUE = 'x'.repeat(64);
type Figures = { seq_set: number; seq_get: number; pipe_set: number };

async function pyClient(port: number): Promise<Figures> {
  const r = await runCommand(join(distkvPyDir(), 'bin/distkv-py-python'), [join(import.meta.dirname, 'client-protocol-py.py'), String(port), String(N)], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`python client failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Figures;
}

async function ourClient(port: number): Promise<Figures> {
  const c = await DistkvClient.connect({ port });
  const n = N * 5;
  const run = async (inFlight: number, op: 'set' | 'get'): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n) {
        const p = Path.of('bench', `k${next++ % 1000}`);
        if (op === 'set') await c.set(p, VALUE);
        else await c.get(p);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return (n / (performance.now() - t0)) * 1000;
  };
  await run(32, 'set');
  const out = { seq_set: await run(1, 'set'), seq_get: await run(1, 'get'), pipe_set: await run(32, 'set') };
  c.close();
  return out;
}

export async function main(): Promise<void> {
  if (!distkvPyAvailable() || !serfAvailable()) {
    console.log('SKIPPED: needs the Python DistKV peer and serf (scripts/setup-peers.sh)');
    return;
  }
  const agent = await startSerfAgent({ node: 'bench-py' });
  const py = await startDistkvPy({ name: 'pyb', serfRpcPort: agent.rpcPort, init: 'x', verbosity: 0 });
  const ours = await startOurServer('ourb', ['-I', 'x']);
  try {
    const k = (x: number): string => `${(x / 1000).toFixed(2)} k/s`;
    const row = (what: string, f: Figures, ref?: Figures): string =>
      `${what.padEnd(34)} seq set ${k(f.seq_set)}${ref ? ` (${(f.seq_set / ref.seq_set).toFixed(1)}x)` : ''}; seq get ${k(f.seq_get)}${ref ? ` (${(f.seq_get / ref.seq_get).toFixed(1)}x)` : ''}; set, 32 in flight ${k(f.pipe_set)}${ref ? ` (${(f.pipe_set / ref.pipe_set).toFixed(1)}x)` : ''}`;
    const pyPy = await pyClient(py.clientPort);
    const pyOurs = await pyClient(ours.clientPort);
    console.log(row('python client -> python server', pyPy));
    console.log(row('python client -> our server', pyOurs, pyPy));
    console.log(row('our client    -> python server', await ourClient(py.clientPort), pyPy));
    console.log(row('our client    -> our server', await ourClient(ours.clientPort), pyPy));
  } finally {
    await stopAllPeers();
  }
}
