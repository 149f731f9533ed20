// Our `distkv server` and `distkv client` as processes, for the distkv-server interop tests.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistkvClient } from '../../lib/client/client.js';
import { DistkvNode } from '../../lib/node.js';
import { MemoryLogger } from '../../lib/runtime/index.js';
import { Path } from '../../store/path.js';
import { freePort, runCommand, spawnPeer, waitForOutput, type PeerProcess } from './peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'lib/cli.ts');
const FAST = ['-C', 'server.ping.cycle=3', '-C', 'server.ping.gap=1', '-profile', 'local'];

export interface OurServer extends PeerProcess {
  clientPort: number;
  bind: string;
}

/** Spawns `distkv server` on free loopback ports and waits for "Running.". */
export async function startOurServer(name: string, args: string[], opts: { clientPort?: number; timeoutMs?: number; bind?: string } = {}): Promise<OurServer> {
  const clientPort = opts.clientPort ?? (await freePort());
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const bind = opts.bind ?? `127.0.0.1:${await freePort()}`;
  const p = spawnPeer(process.execPath, ['--import', 'tsx', CLI, 'server', '-bind', bind, '--client-addr', `127.0.0.1:${clientPort}`, ...FAST, ...args, name], {
    cwd: ROOT,
  });
  try {
    await waitForOutput(p, /^Running\.$/m, timeoutMs, `our server ${name}`);
  } catch (e) {
    await p.kill();
    throw e;
  }
  return { ...p, clientPort, bind };
}

/** `distkv client -p PORT data PATH ...` (our CLI); stdout, or throws with the output. */
export async function ourClient(port: number, args: string[]): Promise<string> {
  const r = await runCommand(process.execPath, ['--import', 'tsx', CLI, 'client', '-p', String(port), 'data', ...args], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`client ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}


/**
 * Reads PATH ("a.b") from any DistKV server (ours or python's) with our client library — cheaper
 * than a CLI process for polling. undefined when there is no value.
 */
export async function readValue(port: number, path: string): Promise<unknown> {
  const c = await DistkvClient.connect({ host: '127.0.0.1', port, timeoutMs: 5000 });
  try {
    const r = await c.get(Path.parse(path));
    return 'value' in r ? r.value : undefined;
  } finally {
    c.close();
  }
}

/** Sets PATH to a value with our client library. */
export async function setValue(port: number, path: string, value: string): Promise<void> {
  const c = await DistkvClient.connect({ host: '127.0.0.1', port, timeoutMs: 5000 });
  try {
    await c.set(Path.parse(path), value);
  } finally {
    c.close();
  }
}

/** One of our nodes in this process on loopback (ephemeral gossip and client ports, fast pings). */
export function inProcessNode(name: string, extra: Partial<Parameters<typeof DistkvNode.create>[0]> = {}): Promise<DistkvNode> {
  return DistkvNode.create({
    name,
    logger: new MemoryLogger('warn'),
    bind: { host: '127.0.0.1', port: 0 },
    clientAddr: { host: '127.0.0.1', port: 0 },
    profile: 'local',
    ping: { cycle: 3, gap: 1 },
    ...extra,
  });
}
