// Kill and restart in a mixed cluster (issue 11, "Real processes"): a Python DistKV 0.57.4
// server on a real serf agent and OUR `distkv server` process. Writes on either side (set,
// overwrite, delete, subtree delete) reach the other; our server SIGKILLed, written around and
// restarted empty catches up from the Python one; then the Python server SIGKILLed and restarted
// empty catches up from ours. After each restart the restarted server's own writes must reach
// the other too (its tick counter continues where the dead incarnation stopped, or peers would
// take its new ticks for ones they already have). Fast pings: cycle 3, gap 1.
import { strict as assert } from 'node:assert';
import {
  distkvPyAvailable,
  freePort,
  pyTracebacks,
  serfAvailable,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  type DistkvPyServer,
  type SerfAgent,
} from './peers.js';
import { startOurServer, type OurServer } from './distkv-server-helpers.js';
import { treeOf, treeText, writeRound } from './distkv-cluster-ops.js';

describe('interop: kill -9 and restart, our server and a Python DistKV server (real serf)', function () {
  this.timeout(120_000);
  let agent: SerfAgent;
  let py: DistkvPyServer;
  let ours: OurServer;
  let pyPort: number;
  let ourPort: number;
  let ourBind: string;
  const pyOpts = () => ({ name: 'pyR', serfRpcPort: agent.rpcPort, clientPort: pyPort, ping: { cycle: 3, gap: 1 }, hostmap: { oursR: `127.0.0.1:${ourPort}` } });
  const startOurs = () => startOurServer('oursR', ['-join', agent.bind, '-C', `hostmap.pyR=127.0.0.1:${pyPort}`], { clientPort: ourPort, bind: ourBind, timeoutMs: 60_000 });
  let expected: Record<string, unknown> = { '': 'hello' };

  /** Both servers hold exactly `expected`. */
  const converged = async (what: string) => {
    const want = treeText(expected);
    let last = ['', ''];
    try {
      await waitFor(
        async () => {
          last = [treeText(await treeOf(py.clientPort)), treeText(await treeOf(ours.clientPort))];
          return last[0] === want && last[1] === want;
        },
        45_000,
        what,
        200,
      );
    } catch (e) {
      console.log(`want   ${want}\npython ${last[0]}\nours   ${last[1]}`);
      console.log(ours.logs().slice(-3000));
      throw e;
    }
  };

  before(async function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED distkv-server-restart interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh)');
      this.skip();
    }
    [pyPort, ourPort] = [await freePort(), await freePort()];
    ourBind = `127.0.0.1:${await freePort()}`;
    agent = await startSerfAgent({ node: 'agent-r', profile: 'local' });
    py = await startDistkvPy({ ...pyOpts(), init: 'hello' });
    ours = await startOurs();
  });

  after(() => stopAllPeers());

  it('writes on either side (set, overwrite, delete, subtree delete) appear on the other', async () => {
    Object.assign(expected, await writeRound(py.clientPort, 'py1', 'py'), await writeRound(ours.clientPort, 'ts1', 'ts'));
    await converged('both hold both rounds');
  });

  it('our server SIGKILLed: written around, restarted empty, catches up from Python; its new writes reach Python', async () => {
    await ours.kill();
    Object.assign(expected, await writeRound(py.clientPort, 'down1', 'pydown'));
    expected = { ...expected, ...(await writeRound(py.clientPort, 'ts1', 'py-over-ts')) }; // overwrites our earlier keys
    ours = await startOurs();
    assert.match(ours.logs(), /sync: copied from=pyR/);
    await converged('restarted ours caught up');
    Object.assign(expected, await writeRound(ours.clientPort, 'after1', 'ts-again'));
    await converged('writes of the restarted ours reached python');
  });

  it('the Python server SIGKILLed: written around, restarted empty, catches up from ours; its new writes reach ours', async () => {
    await py.kill();
    Object.assign(expected, await writeRound(ours.clientPort, 'down2', 'tsdown'));
    expected = { ...expected, ...(await writeRound(ours.clientPort, 'py1', 'ts-over-py')) };
    py = await startDistkvPy(pyOpts());
    assert.match(py.logs(), new RegExp(`Sync: connecting.*${ourPort}`));
    await converged('restarted python caught up');
    Object.assign(expected, await writeRound(py.clientPort, 'after2', 'py-again'));
    await converged('writes of the restarted python reached ours');
    assert.deepEqual(pyTracebacks(py.logs()), []);
  });
});
