// A real Python DistKV 0.57.4 server (on a real serf agent) and OUR replica (our Serf layer joined
// to that agent) in one DistKV cluster: writes on either side appear on the other, split (`_p0`)
// values both ways, deletions, gap repair (we start without the Python server's seed value and
// get it re-sent when we are "it"), initial sync both ways over the client protocol, and a
// DistKV-level partition of one of our replicas healed by split recovery with the Python
// servers. Fast pings: cycle 3, gap 1.
import { strict as assert } from 'node:assert';
import { localConfig } from '../../gossip/memberlist/config.js';
import { defaultSerfConfig } from '../../gossip/serf/config.js';
import { Serf } from '../../gossip/serf/serf.js';
import { createRealRuntime, MemoryLogger, type RealRuntime } from '../../lib/runtime/index.js';
import { NOT_GIVEN } from '../../store/entry.js';
import { Replica } from '../../store/replica.js';
import { serfBus, serfPeers } from '../../store/replication/bus.js';
import { Store } from '../../store/store.js';
import { DistkvClient } from '../../lib/client/client.js';
import { listenTcp } from '../../lib/runtime/tcp.js';
import { DistkvServer } from '../../lib/server.js';
import { Path } from '../../store/path.js';
import { PathLongener } from '../../store/path-shortener.js';
import type { SyncConnector, SyncSession } from '../../store/replication/sync.js';
import type { EventBus } from '../../store/replication/bus.js';
import { readValue } from './distkv-server-helpers.js';
import {
  distkvPyAvailable,
  pyTracebacks,
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

// Polls read the Python server with our client library (readValue) every 200 ms: a Python client
// process per poll costs ~1 s of start-up on a loaded host; writes stay with Python's client.

/** A bus that can be cut off (a DistKV-level partition: Serf stays connected, our events do not pass). */
function gated(b: EventBus): EventBus & { open: boolean } {
  const g = {
    open: true,
    send: (n: string, p: Uint8Array) => (g.open ? b.send(n, p) : true),
    onEvent: (h: (n: string, p: Uint8Array) => void) => b.onEvent((n, p) => g.open && h(n, p)),
  };
  return g;
}

/**
 * The initial sync over the real client protocol (our client library). lib/ should own this
 * adapter once the server wires the replica in; it lives here until then.
 */
const tcpSyncConnector: SyncConnector = async ({ host, port }) => {
  const c = await DistkvClient.connect({ host, port, timeoutMs: 5000 });
  const lengthened = async function* (action: string, prefix: Path) {
    const longer = new PathLongener(prefix);
    for await (const m of c.stream(action, { path: Path.ROOT, nchain: -1 })) {
      if ('depth' in m && 'path' in m) {
        const out = { ...m, path: longer.lengthen(m.depth as number, m.path as Path) };
        delete (out as Record<string, unknown>).depth;
        yield out;
      } else yield m;
    }
  };
  const session: SyncSession = {
    tree: () => lengthened('get_tree', Path.ROOT),
    treeInternal: () => lengthened('get_tree_internal', Path.from([null])),
    state: () => c.getState({ nodes: true, known: true, deleted: true }),
    getValue: (node, tick, nchain = 0) => c.request('get_value', { node, tick, nchain }),
    checkDeleted: async (nodes) => void (await c.request('check_deleted', { nodes: nodes as never, nchain: -1 })),
    close: () => c.close(),
  };
  return session;
};

describe('interop: a Python DistKV server and our replica in one cluster (real serf)', function () {
  this.timeout(120_000);
  let rt: RealRuntime | undefined;
  let serf: Serf | undefined;
  let replica: Replica | undefined;
  let pyServer: DistkvPyServer | undefined;
  let server: DistkvServer | undefined;
  let agentA: { bind: string; rpcPort: number } | undefined;
  const extra: { serf: Serf; rt: RealRuntime; replica: Replica }[] = [];
  let gate: (EventBus & { open: boolean }) | undefined;
  let py2: DistkvPyServer | undefined;
  const logs = new MemoryLogger();

  before(async function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED distkv-py-cluster interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh)');
      this.skip();
    }
    const agent = await startSerfAgent({ node: 'a', profile: 'local' });
    agentA = agent;
    pyServer = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'hello', ping: { cycle: 3, gap: 1 } });
    rt = await createRealRuntime({ logger: logs });
    serf = Serf.create(rt, { config: defaultSerfConfig('ts1', localConfig('ts1')) });
    assert.equal(await serf.join([agent.bind]), 1);
    server = new DistkvServer({ name: 'ts1', clock: rt.clock, logger: rt.logger, clientTransport: await listenTcp({ logger: rt.logger }), force: true });
    replica = new Replica({
      store: server.store,
      bus: serfBus(serf),
      clock: rt.clock,
      random: rt.random,
      logger: rt.logger,
      ping: { cycle: 3, gap: 1 },
      loaded: true, // an empty but "loaded" server: ready at once, gets the seed by gap repair
    });
    replica.start();
    assert.equal(await server.start(), 'serving');
  });

  after(async () => {
    for (const x of extra) {
      x.replica.stop();
      await x.serf.shutdown().catch(() => undefined);
      await x.rt.close();
    }
    await server?.stop();
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
    await waitFor(async () => (await readValue(pyServer!.clientPort, 'x.b')) === 'from-ts', 15_000, 'x.b on Python', 200);
  });

  it('split (_p0) values both ways', async () => {
    const big = 'ABCDEFGHIJ'.repeat(250); // 2500 chars: 6 parts
    await py(pyServer!.clientPort, 'set', 'big.py', big);
    await waitFor(() => ours(['big', 'py']) === big, 15_000, 'big.py from Python');
    const ourBig = 'abcdefghijklmnopqrstuvwxyz'.repeat(200); // 5200 chars: 13 parts
    replica!.store.setValue(['big', 'ts'], ourBig);
    await waitFor(async () => (await readValue(pyServer!.clientPort, 'big.ts')) === ourBig, 15_000, 'big.ts on Python', 200);
    assert.equal(replica!.stats.refused, 0, 'every event fit Serf');
  });

  it('overwrites and deletions both ways', async () => {
    replica!.store.setValue(['x', 'a'], 'over-ts');
    await waitFor(async () => (await readValue(pyServer!.clientPort, 'x.a')) === 'over-ts', 15_000, 'x.a overwritten by us', 200);
    await py(pyServer!.clientPort, 'del', 'x.b');
    await waitFor(() => ours(['x', 'b']) === undefined, 15_000, 'x.b deleted by Python');
    replica!.store.deleteValue(['x', 'a']);
    await waitFor(async () => (await readValue(pyServer!.clientPort, 'x.a')) === undefined, 15_000, 'x.a deleted by us', 200);
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
    assert.deepEqual(pyTracebacks(pyServer!.logs()), []);
  });

  it('a new empty replica of ours syncs from the Python server over the client protocol', async () => {
    const xrt = await createRealRuntime({ logger: new MemoryLogger('warn') });
    const xserf = Serf.create(xrt, { config: defaultSerfConfig('ts2', localConfig('ts2')) });
    assert.equal(await xserf.join([agentA!.bind]), 1);
    gate = gated(serfBus(xserf));
    const r2 = new Replica({
      store: new Store('ts2'),
      bus: gate,
      clock: xrt.clock,
      random: xrt.random,
      logger: xrt.logger,
      ping: { cycle: 3, gap: 1 },
      hostPort: { hostmap: { test1: pyServer!.clientAddr, ts1: '127.0.0.1:1' } },
      connect: tcpSyncConnector,
      // the pull before asking (pull.ts): the Python servers answer get_value per tick
      peers: serfPeers(xserf),
    });
    extra.push({ serf: xserf, rt: xrt, replica: r2 });
    assert.equal(r2.ready, false);
    r2.start();
    await waitFor(() => r2.ready, 30_000, 'ts2 ready after the sync');
    const v = r2.store.get(['big', 'ts']);
    assert.equal(v?.value, 'abcdefghijklmnopqrstuvwxyz'.repeat(200));
    assert.equal(r2.store.get([])?.value, 'hello');
    assert.ok([undefined, NOT_GIVEN].includes(r2.store.get(['x', 'a'])?.value as never), 'no deleted value');
    // a tombstone, fetched because get_state listed its tick as deleted (held-deletions.ts)
    assert.ok([undefined, NOT_GIVEN].includes(r2.store.get(['x', 'b'])?.value as never), 'no deleted value');
  });

  it('a Python server started empty syncs from OUR server', async () => {
    const agentB = await startSerfAgent({ node: 'b', profile: 'local', join: [agentA!.bind] });
    const ourAddr = `127.0.0.1:${server!.opts.clientTransport.localAddr().port}`;
    py2 = await startDistkvPy({
      name: 'test2',
      serfRpcPort: agentB.rpcPort,
      ping: { cycle: 3, gap: 1 },
      hostmap: { ts1: ourAddr, test1: '127.0.0.1:1', ts2: '127.0.0.1:1' },
    });
    assert.match(py2.logs(), new RegExp(`Sync: connecting.*${(server!.opts.clientTransport.localAddr()).port}`));
    assert.equal((await py(py2.clientPort, 'get', 'big.ts')).value, 'abcdefghijklmnopqrstuvwxyz'.repeat(200));
    assert.equal((await py(py2.clientPort, 'get', 'big.py')).value, 'ABCDEFGHIJ'.repeat(250));
    assert.deepEqual(pyTracebacks(py2.logs()), []);
  });

  it('partition heal: our ts2 cut off, writes on both sides, healed ⇒ both sides have everything', async () => {
    const r2 = extra[0]!.replica;
    const recovers: string[] = [];
    r2.actor.on((e) => void (e.type === 'recover' && recovers.push(`prio ${e.prio}`)));
    gate!.open = false;
    await new Promise((r) => setTimeout(r, 6_000)); // both sides' rotations go on without the other
    r2.store.setValue(['split', 'ours'], 'written while cut off');
    r2.store.setValue(['big', 'py'], 'overwritten by ts2 while cut off');
    await py(pyServer!.clientPort, 'set', 'split.theirs', 'python side');
    await new Promise((r) => setTimeout(r, 2_000));
    gate!.open = true;
    await waitFor(() => r2.store.get(['split', 'theirs'])?.value === 'python side', 45_000, 'ts2 got the python-side write');
    await waitFor(async () => (await readValue(pyServer!.clientPort, 'split.ours')) === 'written while cut off', 45_000, 'test1 got ours', 200);
    await waitFor(async () => (await readValue(py2!.clientPort, 'split.ours')) === 'written while cut off', 45_000, 'test2 got ours', 200);
    assert.equal((await py(pyServer!.clientPort, 'get', 'big.py')).value, 'overwritten by ts2 while cut off');
    assert.equal(replica!.store.get(['split', 'ours'])?.value, 'written while cut off', 'ts1 too');
    console.log(`      ts2 recoveries: ${recovers.join(', ') || 'none'}; re-sent by ts2: ${r2.gapRepair.stats.resent}; pulled by ts2: ${r2.puller.stats.applied} (${r2.puller.stats.sessions} sessions)`);
  });
});
