// Acceptance (issue 12): three of our servers (in-process DistkvNodes on real loopback sockets,
// Serf gossip + replication + client ports): a value set via one is read via the others; a watch
// on one sees changes made on the others; conditional sets (chain, prev, new) fail with DistKV's
// errors when the condition is false, also when the condition was read on another server; a
// msg_send on one reaches a msg_monitor on another (Serf user events).
import { strict as assert } from 'node:assert';
import { DistkvClient, ServerError, type ReplyStream } from '../../lib/client/client.js';
import type { DistkvNode } from '../../lib/node.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { waitFor } from './peers.js';
import { inProcessNode as node } from './distkv-server-helpers.js';

const LO = '127.0.0.1';
const P = (s: string): Path => Path.parse(s);

describe('interop: three of our servers', function () {
  this.timeout(90_000);
  const nodes: DistkvNode[] = [];
  const clients: DistkvClient[] = [];
  let a: DistkvClient;
  let b: DistkvClient;
  let c: DistkvClient;

  before(async () => {
    const na = await node('s3a', { server: { init: 'root' } });
    nodes.push(na);
    await na.start();
    const join = [`${na.rt.addr.host}:${na.rt.addr.port}`];
    const rest = await Promise.all(['s3b', 's3c'].map((n) => node(n, { join })));
    nodes.push(...rest);
    await Promise.all(rest.map((n) => n.start()));
    for (const n of nodes) clients.push(await DistkvClient.connect({ host: LO, port: n.server.opts.clientTransport.localAddr().port }));
    [a, b, c] = clients as [DistkvClient, DistkvClient, DistkvClient];
  });

  after(async () => {
    for (const cl of clients) cl.close();
    for (const n of nodes.reverse()) await n.stop(false);
  });

  const valueAt = async (cl: DistkvClient, p: string): Promise<Value | undefined> => (await cl.get(P(p))).value;

  it('set via one, read via the other two', async () => {
    await a.set(P('t.one'), 'from a');
    await b.set(P('t.two'), { n: 2 });
    for (const cl of [b, c]) await waitFor(async () => (await valueAt(cl, 't.one')) === 'from a', 20_000, 't.one replicated');
    for (const cl of [a, c]) await waitFor(async () => ((await valueAt(cl, 't.two')) as ValueObject | undefined)?.n === 2, 20_000, 't.two replicated');
  });

  it('a watch on one sees the changes made on the others', async () => {
    const w: ReplyStream = c.watch(P('w'));
    const seen: string[] = [];
    const reader = (async () => {
      for await (const m of w) if ('value' in m) seen.push(`${(m.path as Path).toString()}=${String(m.value)}`);
    })();
    // the watch is live once a change made now shows up; write until then
    await waitFor(async () => {
      await a.set(P('w.probe'), 'p');
      return seen.length > 0;
    }, 20_000, 'the watch is live', 300);
    await a.set(P('w.x'), 'ax');
    await b.set(P('w.y'), 'by');
    await waitFor(() => seen.includes('w.x=ax') && seen.includes('w.y=by'), 20_000, 'both changes seen on c');
    await w.stop();
    await reader;
  });

  it("conditional sets fail with DistKV's errors when the condition is false, wherever it was read", async () => {
    const r = await a.set(P('cond'), 'v1', { nchain: 2 });
    await waitFor(async () => (await valueAt(b, 'cond')) === 'v1', 20_000, 'cond on b');
    const onB = await b.get(P('cond'), { nchain: 2 });
    assert.deepEqual((onB.chain as ValueObject).tick, (r.chain as ValueObject).tick, 'b holds a’s change');
    // a write on B conditional on the chain read on B: accepted
    await b.set(P('cond'), 'v2', { chain: onB.chain as Value });
    await waitFor(async () => (await valueAt(c, 'cond')) === 'v2', 20_000, 'v2 on c');
    // the old chain is stale everywhere now
    await assert.rejects(c.set(P('cond'), 'v3', { chain: onB.chain as Value }), (e: Error) => e instanceof ServerError && /^Chain mismatch at cond$/.test(e.message));
    await assert.rejects(c.set(P('cond'), 'v3', { chain: null }), (e: Error) => e instanceof ServerError && /^Entry already exists at cond$/.test(e.message));
    await assert.rejects(a.set(P('cond'), 'v3', { prev: 'v1' }), (e: Error) => e instanceof ServerError && /^Data is "v2" not "v1" at cond$/.test(e.message));
    await assert.rejects(a.delete(P('cond'), { prev: 'nope' }), (e: Error) => e instanceof ServerError && /not "nope" at cond/.test(e.message));
    assert.equal(await valueAt(a, 'cond'), 'v2', 'refused writes changed nothing');
    await a.set(P('cond'), 'v3', { prev: 'v2' });
    await waitFor(async () => (await valueAt(c, 'cond')) === 'v3', 20_000, 'v3 on c');
  });

  it('msg_send on one server reaches msg_monitor on another', async () => {
    const got: ValueObject[] = [];
    const mon = c.msgMonitor(['chat', 'room']);
    let failure: Error | undefined;
    const reader = (async () => {
      for await (const m of mon) got.push(m);
    })().catch((e: Error) => void (failure = e));
    await waitFor(async () => {
      await a.msgSend(['chat', 'room'], { data: { hi: 1 } });
      return got.length > 0;
    }, 20_000, 'the message arrived on c', 300);
    assert.deepEqual(got[0]!.topic, ['chat', 'room']);
    assert.deepEqual(got[0]!.data, { hi: 1 });
    await b.msgSend(['chat', 'room'], { data: 'from b' });
    await waitFor(() => got.some((m) => m.data === 'from b'), 20_000, "b's message on c");
    // an undecodable payload comes with `error`, which python's client raises: so does ours
    await b.msgSend(['chat', 'room'], { raw: new Uint8Array([0xc1]) });
    await waitFor(() => failure, 20_000, 'the undecodable payload ends the iteration');
    assert.match(String(failure), /ServerError: DecodeError/);
    await mon.stop();
    await reader;
  });
});
