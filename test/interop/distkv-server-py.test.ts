// OUR `distkv server` process joins a Python DistKV 0.57.4 deployment (a real serf agent + the
// Python server started with -I): it syncs from the Python server over the client protocol,
// says Running., and a write on either side (each with its own CLI) is read on the other. Then a
// Python server started empty syncs from ours. Fast pings: cycle 3, gap 1.
import { strict as assert } from 'node:assert';
import {
  distkvPyAvailable,
  distkvPyClient,
  pyTracebacks,
  freePort,
  serfAvailable,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  type DistkvPyServer,
  type SerfAgent,
} from './peers.js';
import { ourClient, readValue, startOurServer, type OurServer } from './distkv-server-helpers.js';

describe('interop: our `distkv server` in a Python DistKV cluster (real serf)', function () {
  this.timeout(120_000);
  let agent: SerfAgent;
  let py: DistkvPyServer;
  let ours: OurServer;

  before(async function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED distkv-server-py interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh)');
      this.skip();
    }
    const ourPort = await freePort();
    agent = await startSerfAgent({ node: 'agent-py', profile: 'local' });
    py = await startDistkvPy({
      name: 'pyA',
      serfRpcPort: agent.rpcPort,
      init: 'hello',
      ping: { cycle: 3, gap: 1 },
      hostmap: { ours1: `127.0.0.1:${ourPort}` },
    });
    ours = await startOurServer('ours1', ['-join', agent.bind, '-C', `hostmap.pyA=${py.clientAddr}`], { clientPort: ourPort, timeoutMs: 60_000 });
  });

  after(async () => {
    await stopAllPeers();
  });

  it('our server synced from the Python server before serving', async () => {
    assert.match(ours.logs(), /sync: copied from=pyA/);
    assert.equal(await readValue(ours.clientPort, ':'), 'hello');
  });

  it('a write on the Python server is read on ours, and one on ours is read on Python', async () => {
    // writes with each side's own CLI; polling with our client library (cheap)
    await distkvPyClient(py.clientPort, ['data', 'from.py', 'set', '-v', ':', 'pyval']);
    await waitFor(async () => (await readValue(ours.clientPort, 'from.py')) === 'pyval', 30_000, 'ours reads from.py', 100);
    await ourClient(ours.clientPort, ['from.ts', 'set', '-v', ':', 'tsval']);
    await waitFor(async () => (await readValue(py.clientPort, 'from.ts')) === 'tsval', 30_000, 'python has from.ts', 100);
    // python overwrites our value, we delete python's
    await distkvPyClient(py.clientPort, ['data', 'from.ts', 'set', '-v', ':', 'py-over']);
    await waitFor(async () => (await readValue(ours.clientPort, 'from.ts')) === 'py-over', 30_000, 'ours reads the overwrite', 100);
    await ourClient(ours.clientPort, ['from.py', 'delete']);
    await waitFor(async () => (await readValue(py.clientPort, 'from.py')) === undefined, 30_000, 'python sees the delete', 100);
  });

  it('a Python server started empty syncs from OURS', async () => {
    const agent2 = await startSerfAgent({ node: 'agent-py2', profile: 'local', join: [agent.bind] });
    const py2 = await startDistkvPy({
      name: 'pyB',
      serfRpcPort: agent2.rpcPort,
      ping: { cycle: 3, gap: 1 },
      // only ours is reachable: pyA's entry points nowhere
      hostmap: { ours1: `127.0.0.1:${ours.clientPort}`, pyA: '127.0.0.1:1' },
    });
    assert.match(py2.logs(), new RegExp(`Sync: connecting.*${ours.clientPort}`));
    assert.equal(await readValue(py2.clientPort, 'from.ts'), 'py-over');
    assert.equal(await readValue(py2.clientPort, ':'), 'hello');
    // (pyB may log a traceback for its refused connection to pyA's dead hostmap entry)
    assert.deepEqual(pyTracebacks(py.logs()), []);
  });

  it('SIGTERM: our server leaves and exits 0; the Python server serves on', async () => {
    await ours.stop(10_000);
    assert.equal((await ours.exited).code, 0, ours.logs().slice(-2000));
    assert.equal(await readValue(py.clientPort, 'from.ts'), 'py-over');
  });
});
