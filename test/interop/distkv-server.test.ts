// `distkv server NAME` as real processes (lib/node.ts): two of our servers on loopback, A started
// with -I, B joining A's gossip address without data: B syncs from A over the client protocol,
// says Running., and writes made with our client CLI on either one are read on the other.
// SIGTERM: B leaves and both exit 0. Fast pings: cycle 3, gap 1.
import { strict as assert } from 'node:assert';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCommand, spawnPeer, stopAllPeers, waitFor, waitForOutput, type PeerProcess } from './peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'lib/cli.ts');
const FAST = ['-C', 'server.ping.cycle=3', '-C', 'server.ping.gap=1', '-profile', 'local'];

export interface OurServer extends PeerProcess {
  clientPort: number;
  bind: string;
}

/** Spawns `distkv server` on free loopback ports and waits for "Running.". */
export async function startOurServer(name: string, args: string[], timeoutMs = 30_000): Promise<OurServer> {
  const clientPort = await freePort();
  const bind = `127.0.0.1:${await freePort()}`;
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

describe('interop: two of our `distkv server` processes replicate', function () {
  this.timeout(90_000);
  let a: OurServer;
  let b: OurServer;

  before(async () => {
    a = await startOurServer('srvA', ['-I', 'hello']);
    b = await startOurServer('srvB', ['-join', a.bind]);
  });

  after(async () => {
    await stopAllPeers();
  });

  it('B, started without data, synced from A before serving', async () => {
    assert.match(b.logs(), /sync: copied from=srvA/);
    assert.equal(await ourClient(b.clientPort, [':', 'get']), "'hello'\n");
  });

  it('a value set on A is read on B, and one set on B is read on A', async () => {
    await ourClient(a.clientPort, ['a.b', 'set', '-v', ':', 'x']);
    await waitFor(async () => (await ourClient(b.clientPort, ['a.b', 'get'])) === "'x'\n", 20_000, 'B reads a.b = x', 200);
    await ourClient(b.clientPort, ['c.d', 'set', '-v', ':', 'y']);
    await waitFor(async () => (await ourClient(a.clientPort, ['c.d', 'get'])) === "'y'\n", 20_000, 'A reads c.d = y', 200);
    // an overwrite on B of A's value wins on A too
    await ourClient(b.clientPort, ['a.b', 'set', '-v', ':', 'z']);
    await waitFor(async () => (await ourClient(a.clientPort, ['a.b', 'get'])) === "'z'\n", 20_000, 'A reads a.b = z', 200);
  });

  it('SIGTERM: B leaves the cluster and both exit 0', async () => {
    await b.stop(10_000);
    assert.equal((await b.exited).code, 0, b.logs().slice(-2000));
    assert.equal(await ourClient(a.clientPort, ['a.b', 'get']), "'z'\n", 'A serves on alone');
    await a.stop(10_000);
    assert.equal((await a.exited).code, 0, a.logs().slice(-2000));
    assert.doesNotMatch(a.logs() + b.logs(), /Error|Traceback|unhandled/);
  });
});
