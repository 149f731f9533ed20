// fake_info / fake_info_send (python's `internal mark`): an operator's info message is applied on
// the server it was sent to, or broadcast to all; garbage is refused without touching the state.
import { strict as assert } from 'node:assert';
import { DistkvClient, ServerError } from '../../../lib/client/client.js';
import type { DistkvNode } from '../../../lib/node.js';
import type { Value } from '../../../store/codec.js';
import { RangeSet } from '../../../store/range-set.js';
import { inProcessNode as node } from '../../interop/distkv-server-helpers.js';
import { waitFor } from '../../interop/peers.js';

const LO = '127.0.0.1';
const ticks = (...t: number[]): Value => {
  const r = new RangeSet();
  for (const x of t) r.add(x);
  return r.toWire() as Value;
};

describe('client protocol: fake_info / fake_info_send', function () {
  this.timeout(60_000);
  const nodes: DistkvNode[] = [];
  const clients: DistkvClient[] = [];

  before(async () => {
    const a = await node('fia', { server: { init: 'root' } });
    nodes.push(a);
    await a.start();
    const b = await node('fib', { join: [`${a.rt.addr.host}:${a.rt.addr.port}`] });
    nodes.push(b);
    await b.start();
    for (const n of nodes) clients.push(await DistkvClient.connect({ host: LO, port: n.server.opts.clientTransport.localAddr().port }));
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const n of nodes.reverse()) await n.stop(false);
  });

  const superseded = async (c: DistkvClient, name: string): Promise<unknown> => {
    const st = await c.request('get_state', { known: true });
    const k = (st.known ?? {}) as Record<string, unknown>;
    return k[name];
  };

  it('fake_info marks ticks superseded on that server only', async () => {
    const [a, b] = clients as [DistkvClient, DistkvClient];
    const r = await a.request('fake_info', { superseded: { ghost: ticks(1, 2, 3) }, node: '?' });
    assert.deepEqual(Object.keys(r).filter((k) => k !== 'seq' && k !== 'tock'), []);
    assert.ok(await superseded(a, 'ghost'), 'a counts ghost 1..3 as superseded');
    assert.equal(await superseded(b, 'ghost'), undefined);
  });

  it('fake_info_send reaches the other server', async () => {
    const [a, b] = clients as [DistkvClient, DistkvClient];
    await a.request('fake_info_send', { superseded: { ghost2: ticks(5) } });
    await waitFor(async () => (await superseded(b, 'ghost2')) !== undefined, 30_000, 'b hears the broadcast mark');
  });

  it('garbage ranges get an error and change nothing', async () => {
    const a = clients[0]!;
    const before = await a.request('get_state', { nodes: true, known: true, deleted: true, missing: true });
    await assert.rejects(a.request('fake_info', { superseded: { ghost3: 'not a range' } }), ServerError);
    await assert.rejects(a.request('fake_info', { deleted: 7 }), ServerError);
    const after = await a.request('get_state', { nodes: true, known: true, deleted: true, missing: true });
    for (const m of [before, after]) {
      delete m.seq;
      delete m.tock; // every reply carries the server's current tock
    }
    assert.deepEqual(after, before);
  });
});
