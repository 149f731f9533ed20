// A real Python DistKV 0.57.4 server (on a real serf agent) and OUR replica (our Serf layer joined
// to that agent) in one DistKV cluster: writes on either side appear on the other, split (`_p0`)
// values both ways, deletions, and gap repair (we start without the Python server's seed value
// and get it re-sent when we are "it"). Fast pings: cycle 3, gap 1.
import { strict as assert } from 'node:assert';
import { localConfig } from '../../gossip/memberlist/config.js';
import { defaultSerfConfig } from '../../gossip/serf/config.js';
import { Serf } from '../../gossip/serf/serf.js';
import { createRealRuntime, MemoryLogger, type RealRuntime } from '../../lib/runtime/index.js';
import { NOT_GIVEN } from '../../store/entry.js';
import { Replica } from '../../store/replica.js';
import { serfBus } from '../../store/replication/bus.js';
import { Store } from '../../store/store.js';
import {
  distkvPyAvailable,
  runPyScript,
  serfAvailable,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  type DistkvPyServer,
} from './peers.js';

const PY = `
import sys, json, anyio
from distkv.client import open_client
from distkv.default import CFG
from distkv.util import P, attrdict, combine_dict
async def main(port, op, path, val=None):
    cfg = combine_dict(attrdict(connect=attrdict(host="127.0.0.1", port=int(port))), CFG, cls=attrdict)
    async with open_client(**cfg) as c:
        if op == "set":
            r = await c._request("set_value", path=P(path), value=json.loads(val))
            print(json.dumps({"tock": r.tock}))
        elif op == "del":
            await c._request("delete_value", path=P(path))
            print("{}")
        else:
            r = await c._request("get_value", path=P(path), nchain=3)
            v = r.get("value", None)
            print(json.dumps({"value": v if not isinstance(v, bytes) else v.hex(), "has": "value" in r}))
anyio.run(main, *sys.argv[1:], backend="trio")
`;

async function py(port: number, op: 'set' | 'get' | 'del', path: string, val?: unknown): Promise<{ value?: unknown; has?: boolean }> {
  const out = await runPyScript(PY, [String(port), op, path, ...(val !== undefined ? [JSON.stringify(val)] : [])]);
  return JSON.parse(out.trim().split('\n').pop()!) as { value?: unknown; has?: boolean };
}

describe('interop: a Python DistKV server and our replica in one cluster (real serf)', function () {
  this.timeout(120_000);
  let rt: RealRuntime | undefined;
  let serf: Serf | undefined;
  let replica: Replica | undefined;
  let pyServer: DistkvPyServer | undefined;
  const logs = new MemoryLogger();

  before(async function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED distkv-py-cluster interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh)');
      this.skip();
    }
    const agent = await startSerfAgent({ node: 'a', profile: 'local' });
    pyServer = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'hello', ping: { cycle: 3, gap: 1 } });
    rt = await createRealRuntime({ logger: logs });
    serf = Serf.create(rt, { config: defaultSerfConfig('ts1', localConfig('ts1')) });
    assert.equal(await serf.join([agent.bind]), 1);
    const store = new Store('ts1');
    replica = new Replica({
      store,
      bus: serfBus(serf),
      clock: rt.clock,
      random: rt.random,
      logger: rt.logger,
      ping: { cycle: 3, gap: 1 },
      loaded: true, // an empty but "loaded" server: ready at once, gets the seed by gap repair
    });
    replica.start();
  });

  after(async () => {
    replica?.stop();
    await serf?.shutdown().catch(() => undefined);
    await rt?.close();
    await stopAllPeers();
  });

  const ours = (path: string[]) => {
    const e = replica!.store.get(path);
    return e && e.value !== NOT_GIVEN ? e.value : undefined;
  };

  it('a write on the Python server appears in our store', async () => {
    await py(pyServer!.clientPort, 'set', 'x.a', 'from-py');
    await waitFor(() => ours(['x', 'a']) === 'from-py', 15_000, 'x.a from Python');
  });

  it('a write on our replica appears on the Python server', async () => {
    replica!.store.setValue(['x', 'b'], 'from-ts');
    await waitFor(async () => (await py(pyServer!.clientPort, 'get', 'x.b')).value === 'from-ts', 15_000, 'x.b on Python');
  });

  it('split (_p0) values both ways', async () => {
    const big = 'ABCDEFGHIJ'.repeat(250); // 2500 chars: 6 parts
    await py(pyServer!.clientPort, 'set', 'big.py', big);
    await waitFor(() => ours(['big', 'py']) === big, 15_000, 'big.py from Python');
    const ourBig = 'abcdefghijklmnopqrstuvwxyz'.repeat(200); // 5200 chars: 13 parts
    replica!.store.setValue(['big', 'ts'], ourBig);
    await waitFor(async () => (await py(pyServer!.clientPort, 'get', 'big.ts')).value === ourBig, 15_000, 'big.ts on Python');
    assert.equal(replica!.stats.refused, 0, 'every event fit Serf');
  });

  it('overwrites and deletions both ways', async () => {
    replica!.store.setValue(['x', 'a'], 'over-ts');
    await waitFor(async () => (await py(pyServer!.clientPort, 'get', 'x.a')).value === 'over-ts', 15_000, 'x.a overwritten by us');
    await py(pyServer!.clientPort, 'del', 'x.b');
    await waitFor(() => ours(['x', 'b']) === undefined, 15_000, 'x.b deleted by Python');
    replica!.store.deleteValue(['x', 'a']);
    await waitFor(async () => !(await py(pyServer!.clientPort, 'get', 'x.a')).has, 15_000, 'x.a deleted by us');
  });

  it('gap repair: the seed value we never saw is re-sent when we ask as "it"', async () => {
    const tags: string[] = [];
    replica!.actor.on((e) => void (e.type === 'tag' || e.type === 'recover' ? tags.push(e.type) : undefined));
    try {
      await waitFor(() => ours([]) === 'hello', 15_000, 'root value');
    } catch (e) {
      console.log(JSON.stringify(replica!.store.getState({ missing: true, nodes: true })), replica!.gapRepair.stats, tags, replica!.actor.history);
      console.log(logs.records.filter((r) => r.subsystem !== 'memberlist' && r.subsystem !== 'serf').slice(-30));
      console.log(pyServer!.logs().split('\n').filter((l) => /ping|Ping|Tag|info|missing/i.test(l)).slice(-60).join('\n'));
      throw e;
    }
    assert.ok(replica!.gapRepair.stats.requested >= 1, 'we asked');
    assert.ok(!/Traceback/.test(pyServer!.logs()), pyServer!.logs().slice(-3000));
  });
});
