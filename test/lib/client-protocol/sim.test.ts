// The client protocol in the deterministic simulator: the same ServerConnection/MsgChannel code
// over simulated TCP (latency, partitions), with our client on another simulated host.
import { strict as assert } from 'node:assert';
import { ClientClosedError, DistkvClient } from '../../../lib/client/client.js';
import { ClientListener } from '../../../lib/client-protocol/listener.js';
import { Path } from '../../../store/path.js';
import { Store } from '../../../store/store.js';
import { probe, probes } from '../../sim/helpers.js';

async function setup() {
  const sim = await probes(2, { link: { latencyMs: 5, jitterMs: 3 } });
  const srvRt = probe(sim, 'n2').rt;
  const store = new Store('n2');
  store.markReady();
  store.setValue([], 'root');
  const listener = new ClientListener({ store, logger: srvRt.logger, qlen: 10, watchBuffer: 100, maxMessageBytes: 1 << 20 }, srvRt.streams);
  listener.start();
  let client: DistkvClient | undefined;
  const ready = probe(sim, 'n1')
    .rt.streams.connect(sim.addrOf('n2'), 1000)
    .then((s) => DistkvClient.connect({ stream: s }))
    .then((c) => (client = c));
  await sim.runUntil(() => client !== undefined, 5000);
  await ready;
  return { sim, store, client: client! };
}

/** Runs the simulator until `p` settles. */
async function settle<T>(sim: Awaited<ReturnType<typeof setup>>['sim'], p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => (done = true));
  await sim.runUntil(() => done, 60_000);
  return q;
}

describe('client protocol in the simulator', () => {
  it('greeting, set, get, get_tree and watch over simulated TCP with latency', async () => {
    const { sim, client } = await setup();
    assert.equal(client.greeting.node, 'n2');
    await settle(sim, client.set(Path.of('a', 'b'), 1));
    assert.equal((await settle(sim, client.get(Path.of('a', 'b')))).value, 1);
    const w = client.watch(Path.of('a'), { fetch: true });
    const seen: unknown[] = [];
    const watching = (async () => {
      for await (const m of w) {
        seen.push(m.state ?? m.value);
        if (m.state === 'uptodate') await client.set(Path.of('a', 'c'), 2);
        if (seen.length === 3) break;
      }
    })();
    await settle(sim, watching);
    assert.deepEqual(seen, [1, 'uptodate', 2]);
    client.close();
    await sim.runFor(100);
  });

  it('a partition that breaks the connection fails pending calls once; the client stays closed', async () => {
    const { sim, client } = await setup();
    const pending = client.watch(Path.of('x')).next();
    await sim.runFor(50);
    sim.partition([['n1'], ['n2']]);
    await assert.rejects(settle(sim, pending), ClientClosedError);
    assert.equal(client.closed, true);
    await assert.rejects(client.get(Path.ROOT), ClientClosedError);
  });
});
