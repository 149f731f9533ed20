// Python DistKV 0.57.4 (asyncserf: handshake, stream "user:…", event) using OUR agent's RPC as
// its Serf: it starts a new cluster (-I), serves a client write, and a real serf agent in the
// same cluster receives the :distkv.update user event it sent through us.
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
} from './peers.js';

describe('interop: Python DistKV server on our agent RPC (asyncserf)', function () {
  this.timeout(90_000);

  before(function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED DistKV-on-our-RPC interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh installs them)');
      this.skip();
    }
  });

  after(() => stopAllPeers());

  it('starts with -I ("Running."), stores and reads a value; its user event reaches a real serf agent', async () => {
    const real = await startSerfAgent({ node: 'real', profile: 'local' });
    const mon = spawnPeer('/usr/bin/serf', ['monitor', `-rpc-addr=${real.rpcAddr}`, '-log-level=debug']);
    const rpc = await freePort();
    const ours = spawnPeer(
      process.execPath,
      ['--import', 'tsx', 'lib/cli.ts', 'agent', '-node=ours', `-bind=127.0.0.1:${await freePort()}`, `-rpc-addr=127.0.0.1:${rpc}`, '-profile=local', `-join=${real.bind}`],
      { stopSignal: 'SIGINT' },
    );
    await waitForOutput(ours, /Join completed/, 30_000, 'distkv agent join');
    const py = await startDistkvPy({ name: 'pyd', serfRpcPort: rpc, init: 'hello' });
    await distkvPyClient(py.clientPort, ['data', 'rpc.test', 'set', '-v', ':', 'world']);
    const got = await distkvPyClient(py.clientPort, ['data', 'rpc.test', 'get']);
    assert.match(got, /world/);
    // The update went out as a Serf user event through our RPC, gossiped to the real agent.
    await waitFor(() => /Received event: user-event: :distkv\.update/.test(mon.logs()), 15_000, 'real agent got :distkv.update');
    assert.equal(py.proc.exitCode, null, 'python server still running');
  });
});
