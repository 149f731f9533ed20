// lib/node.ts in one process: a seeded node serves at once; a node joining it without data waits
// (client port not serving), syncs through the peer's `dkv-client` Serf tag (no hostmap), then
// serves and replicates; a default gossip port that is taken falls back to an ephemeral one, an
// explicit one fails; stop() while still waiting for peers returns.
import { strict as assert } from 'node:assert';
import { DistkvClient } from '../../lib/client/client.js';
import { DistkvNode } from '../../lib/node.js';
import { MemoryLogger } from '../../lib/runtime/index.js';
import { CLIENT_ADDR_TAG } from '../../store/replication/bus.js';
import { Path } from '../../store/path.js';

const LO = '127.0.0.1';

async function node(name: string, extra: Partial<Parameters<typeof DistkvNode.create>[0]> = {}): Promise<DistkvNode> {
  return DistkvNode.create({
    name,
    logger: new MemoryLogger('warn'),
    bind: { host: LO, port: 0 },
    clientAddr: { host: LO, port: 0 },
    profile: 'local',
    ping: { cycle: 3, gap: 1 },
    ...extra,
  });
}

const gossipAddr = (n: DistkvNode) => `${n.rt.addr.host}:${n.rt.addr.port}`;
const clientPort = (n: DistkvNode) => n.server.opts.clientTransport.localAddr().port;

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('lib/node: DistkvNode', function () {
  this.timeout(30_000);
  const nodes: DistkvNode[] = [];
  after(async () => {
    for (const n of nodes) await n.stop(false);
  });

  it('seeds with -I, advertises its client port as a Serf tag; a joining empty node syncs, then serves and replicates', async () => {
    const a = await node('na', { server: { init: 'root' } });
    nodes.push(a);
    assert.equal(await a.start(), 'serving');
    assert.equal(a.serf.localMember().tags.get(CLIENT_ADDR_TAG), `${LO}:${clientPort(a)}`);

    const b = await node('nb', { join: [gossipAddr(a)] });
    nodes.push(b);
    let served = false;
    const started = b.start().then((s) => ((served = true), s));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(served, false, 'no data yet: not serving');
    assert.equal(await started, 'serving');
    assert.equal(b.replica?.ready, true);
    assert.equal(b.server.store.get([])?.value, 'root');

    const c = await DistkvClient.connect({ host: LO, port: clientPort(b), timeoutMs: 5000 });
    try {
      await c.set(Path.parse('k'), 'v');
    } finally {
      c.close();
    }
    await until(() => a.server.store.get(['k'])?.value === 'v', 10_000, 'a has k');
  });

  it('a taken default gossip port falls back to an ephemeral one; a taken explicit one fails', async () => {
    const held = nodes[0]!.rt.addr;
    const d = await node('nd', { bind: held, bindIsDefault: true, server: { force: true } });
    nodes.push(d);
    assert.notEqual(d.rt.addr.port, held.port);
    await assert.rejects(node('ne', { bind: held }));
  });

  it('stop() while waiting for peers returns', async () => {
    const w = await node('nw');
    let state: string | undefined;
    void w.start().then((s) => (state = s));
    await new Promise((r) => setTimeout(r, 100));
    await w.stop(false);
    assert.equal(state, undefined, 'never served');
  });
});
