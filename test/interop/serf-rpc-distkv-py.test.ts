// Python DistKV 0.57.4 (asyncserf: handshake, stream "user:…", event) using OUR agent's RPC as
// its Serf: it starts a new cluster (-I), serves a client write, and a real serf agent in the
// same cluster receives the :distkv.update user event it sent through us. Then a second Python
// server on a second agent of ours syncs from the first, and writes replicate both ways.
import { strict as assert } from 'node:assert';
import {
  distkvPyAvailable,
  distkvPyClient,
  freePort,
  serfAvailable,
  spawnPeer,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  waitForOutput,
  type DistkvPyServer,
} from './peers.js';
import { readValue, setValue } from './distkv-server-helpers.js';

/** `distkv agent` (ours) with its Serf RPC on a free port, joined to `join`. */
async function ourAgent(node: string, join: string): Promise<number> {
  const rpc = await freePort();
  const p = spawnPeer(
    process.execPath,
    ['--import', 'tsx', 'lib/cli.ts', 'agent', `-node=${node}`, `-bind=127.0.0.1:${await freePort()}`, `-rpc-addr=127.0.0.1:${rpc}`, '-profile=local', `-join=${join}`],
    { stopSignal: 'SIGINT' },
  );
  await waitForOutput(p, /Join completed/, 30_000, `distkv agent ${node} join`);
  return rpc;
}

describe('interop: Python DistKV server on our agent RPC (asyncserf)', function () {
  this.timeout(90_000);

  before(function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED DistKV-on-our-RPC interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh installs them)');
      this.skip();
    }
  });

  after(() => stopAllPeers());
  let realBind = '';
  let py: DistkvPyServer | undefined;

  it('starts with -I ("Running."), stores and reads a value; its user event reaches a real serf agent', async () => {
    const real = await startSerfAgent({ node: 'real', profile: 'local' });
    const mon = spawnPeer('/usr/bin/serf', ['monitor', `-rpc-addr=${real.rpcAddr}`, '-log-level=debug']);
    realBind = real.bind;
    const rpc = await ourAgent('ours', real.bind);
    py = await startDistkvPy({ name: 'pyd', serfRpcPort: rpc, init: 'hello', ping: { cycle: 3, gap: 1 } });
    await distkvPyClient(py.clientPort, ['data', 'rpc.test', 'set', '-v', ':', 'world']);
    const got = await distkvPyClient(py.clientPort, ['data', 'rpc.test', 'get']);
    assert.match(got, /world/);
    // The update went out as a Serf user event through our RPC, gossiped to the real agent.
    await waitFor(() => /Received event: user-event: :distkv\.update/.test(mon.logs()), 15_000, 'real agent got :distkv.update');
    assert.equal(py.proc.exitCode, null, 'python server still running');
  });

  it('a second Python server on a second agent of ours syncs from the first; writes replicate both ways', async function () {
    if (!py) this.skip();
    const py1 = py;
    const rpc2 = await ourAgent('ours2', realBind);
    const py2 = await startDistkvPy({ name: 'pye', serfRpcPort: rpc2, ping: { cycle: 3, gap: 1 }, hostmap: { pyd: py1.clientAddr } });
    assert.match(py2.logs(), new RegExp(`Sync: connecting.*${py1.clientPort}`));
    assert.equal(await readValue(py2.clientPort, 'rpc.test'), 'world');
    await setValue(py2.clientPort, 'rpc.two', 'from-pye');
    await waitFor(async () => (await readValue(py1.clientPort, 'rpc.two')) === 'from-pye', 30_000, 'pyd has pye\'s write', 100);
    await setValue(py1.clientPort, 'rpc.one', 'from-pyd');
    await waitFor(async () => (await readValue(py2.clientPort, 'rpc.one')) === 'from-pyd', 30_000, 'pye has pyd\'s write', 100);
  });
});
