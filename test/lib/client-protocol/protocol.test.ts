// Our client ↔ our server over an in-memory stream pair (and once over real TCP): the greeting
// and hello, set/get/delete with conditions, get_tree depth and path shortening, watch with
// fetch + uptodate + a later change, flow control against a slow reader, stop, error replies.
import { strict as assert } from 'node:assert';
import { DistkvClient, ServerError, ClientClosedError } from '../../../lib/client/client.js';
import { listenTcp, MemoryLogger, RealClock } from '../../../lib/runtime/index.js';
import { DistkvServer } from '../../../lib/server.js';
import { decodeAll, encode, type ValueObject } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import { memServer } from './helpers.js';

const P = (s: string): Path => Path.parse(s);

async function client(srv: ReturnType<typeof memServer>): Promise<DistkvClient> {
  return DistkvClient.connect({ stream: srv.connect() });
}

/** A raw connection: send maps, collect every decoded reply. */
function raw(srv: ReturnType<typeof memServer>) {
  const s = srv.connect();
  const got: ValueObject[] = [];
  s.onData((b) => got.push(...decodeAll(b).map((r) => r.value as ValueObject)));
  return {
    s,
    got,
    send: (m: ValueObject) => s.write(encode(m)),
    async settle(): Promise<void> {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

describe('client protocol: our client and our server', () => {
  it('greets as python does and agrees on the flow-control window', async () => {
    const srv = memServer();
    const r = raw(srv);
    await r.settle();
    assert.deepEqual(Object.keys(r.got[0]!), ['seq', 'version', 'node', 'tick', 'tock', 'qlen']);
    assert.deepEqual({ ...r.got[0], tock: 0 }, { seq: 0, version: [0, 57, 4], node: 'test1', tick: 1, tock: 0, qlen: 10 });
    const c = await client(srv);
    assert.equal(c.greeting.node, 'test1');
    assert.equal(c.qlen, 10);
    c.close();
  });

  it('announces auth methods only when (None, "auth") exists', async () => {
    const srv = memServer();
    srv.store.setValue([null, 'auth'], { current: 'password' });
    srv.store.setValue([null, 'auth', 'password'], {});
    srv.store.setValue([null, 'auth', 'root'], {});
    const c = await client(srv);
    assert.deepEqual(c.greeting.auth, ['password', 'root']);
    c.close();
  });

  it('set/get/delete with prev, chain and idem conditions, and python reply shapes', async () => {
    const srv = memServer();
    const c = await client(srv);
    const r1 = await c.set(P('a.b'), { x: 1 }, { nchain: 2 });
    assert.deepEqual(Object.keys(r1), ['changed', 'chain', 'tock', 'seq']);
    assert.deepEqual(r1.chain, { node: 'test1', tick: 2, prev: null });
    const r2 = await c.set(P('a.b'), 'two');
    assert.deepEqual(r2.prev, { x: 1 });
    assert.equal((await c.get(P('a.b'))).value, 'two');
    await assert.rejects(c.set(P('a.b'), 3, { chain: null }), ServerError);
    await assert.rejects(c.set(P('a.b'), 3, { chain: { node: 'test1', tick: 2 } }), ServerError);
    await assert.rejects(c.set(P('a.b'), 3, { prev: 'nope' }), ServerError);
    const g = await c.get(P('a.b'), { nchain: 1 });
    const r3 = await c.set(P('a.b'), 3, { chain: g.chain!, nchain: 1 });
    assert.deepEqual(r3.chain, { node: 'test1', tick: 4, prev: null });
    assert.equal((await c.set(P('a.b'), 3, { idem: true })).changed, false);
    assert.equal((await c.set(P('a.b'), 3, { prev: 3 })).changed, false, 'same value: python says unchanged');
    const d = await c.delete(P('a.b'), { nchain: 3 });
    assert.equal(d.changed, true);
    const after = await c.get(P('a.b'), { nchain: 3 });
    assert.equal('value' in after, false);
    assert.deepEqual(after.chain, { node: 'test1', tick: 6, prev: null });
    const missing = await c.get(P('no.such'), { nchain: 1 });
    assert.deepEqual(Object.keys(missing), ['chain', 'seq', 'tock']);
    assert.equal(missing.chain, null);
    c.close();
  });

  it('get_tree honours min/max depth and shortens paths like python', async () => {
    const srv = memServer();
    const c = await client(srv);
    for (const k of ['t.a', 't.b', 't.b.c', 't.b.c.d', 't.b.e', 't.f']) await c.set(P(k), k);
    const all = [];
    for await (const m of c.getTree(P('t'))) all.push((m.path as Path).toString());
    assert.deepEqual(all, ['t.a', 't.b', 't.b.c', 't.b.c.d', 't.b.e', 't.f']);
    const d2 = [];
    for await (const m of c.getTree(P('t'), { minDepth: 2, maxDepth: 2 })) d2.push((m.path as Path).toString());
    assert.deepEqual(d2, ['t.b.c', 't.b.e']);
    // on the wire: depth = elements shared with the previous record, path = the rest
    const wire = [];
    for await (const m of c.stream('get_tree', { path: P('t') })) wire.push([m.depth, (m.path as Path).toString()]);
    assert.deepEqual(wire, [[0, 'a'], [0, 'b'], [1, 'c'], [2, 'd'], [1, 'e'], [0, 'f']]);
    c.close();
  });

  it('watch with fetch: older entries, uptodate, then changes as they happen', async () => {
    const srv = memServer();
    const c = await client(srv);
    await c.set(P('w.a'), 1);
    await c.set(P('w.b.c'), 2);
    const w = c.watch(P('w'), { fetch: true, nchain: 1 });
    const seen: string[] = [];
    for await (const m of w) {
      if (m.state === 'uptodate') {
        seen.push('uptodate');
        await c.set(P('w.b.c'), 3);
        await c.delete(P('w.a'));
        continue;
      }
      seen.push(`${(m.path as Path).toString()}=${'value' in m ? String(m.value) : '-'}`);
      if (seen.length === 5) break;
    }
    assert.deepEqual(seen, ['w.a=1', 'w.b.c=2', 'uptodate', 'w.b.c=3', 'w.a=-']);
    // the break stopped the watch on the server
    await new Promise((r) => setImmediate(r));
    assert.equal([...srv.listener['conns']][0]!.streams.size, 0);
    c.close();
  });

  it('flow control: a reader that does not consume holds the server at qlen-1 unacked messages', async () => {
    const srv = memServer();
    const c = await client(srv);
    for (let i = 0; i < 100; i++) await c.set(P(`f.k${String(i).padStart(3, '0')}`), i);
    const s = c.stream('get_tree', { path: P('f') });
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
    const conn = [...srv.listener['conns']][0]!;
    const out = conn.streams.get(s.seq)!;
    assert.equal(out.window!.outstanding, 10, 'start and eight entries sent (wseq 1-9), the tenth waits for an ack');
    assert.equal(s['queue'].length, 8);
    let n = 0;
    for await (const m of s) {
      assert.equal(m.value, n);
      n++;
    }
    assert.equal(n, 100);
    c.close();
  });

  it('a client that stops reading its socket stalls its stream instead of filling server memory', async () => {
    const srv = memServer({ highWater: 16 * 1024 });
    for (let i = 0; i < 2000; i++) srv.store.setValue(['big', i], 'x'.repeat(1000));
    const r = raw(srv);
    r.s.pause();
    r.send({ seq: 1, action: 'get_tree', path: P('big') }); // no hello: no window, only TCP backpressure
    for (let i = 0; i < 50; i++) await new Promise((res) => setImmediate(res));
    assert.ok(r.s.heldBytes < 64 * 1024, `server wrote ${r.s.heldBytes} bytes ahead of the reader`);
    const conn = [...srv.listener['conns']][0]!;
    assert.equal(conn.tasks.has(1), true, 'the stream waits');
    r.s.resume();
    for (let i = 0; i < 2000 && r.got.at(-1)?.state !== 'end'; i++) await new Promise((res) => setImmediate(res));
    assert.equal(r.got.filter((m) => 'value' in m).length, 2000);
  });

  it('stop ends a running stream (python sends end) and reports whether it ran', async () => {
    const srv = memServer();
    const r = raw(srv);
    r.send({ seq: 0, qlen: 10 });
    r.send({ seq: 1, action: 'watch', path: P('x') });
    r.send({ seq: 2, action: 'stop', task: 1 });
    r.send({ seq: 3, action: 'stop', task: 99 });
    await r.settle();
    const bySeq = r.got.filter((m) => m.seq !== 0).map((m) => [m.seq, m.state ?? m.result]);
    assert.deepEqual(bySeq.slice(0, 2), [
      [1, 'start'],
      [2, true],
    ]);
    assert.deepEqual(
      bySeq.slice(2).sort((a, b) => (a[0] as number) - (b[0] as number)),
      [
        [1, 'end'],
        [3, false],
      ],
    );
  });

  it('bad requests get error replies and change nothing; garbage closes the connection', async () => {
    const srv = memServer();
    const before = encode(srv.store.getState({ nodes: true, present: true }).present as ValueObject);
    const r = raw(srv);
    r.send({ seq: 1, action: 'no_such_thing' });
    r.send({ seq: 2, action: 'set_value', path: P('a') }); // no value
    r.send({ seq: 3, action: 'delete_value', path: P('a'), value: 1 });
    r.send({ seq: 4, action: 'set_value', path: 'not a path', value: 1 });
    r.send({ seq: 5, action: 'set_value', path: P('a'), value: 1, nchain: 'x' });
    r.send({ seq: 6, action: 'set_value', path: P('a'), value: 1, chain: 5 });
    r.send({ seq: 4, action: 'get_tock' }); // not increasing
    r.send({ action: 'get_tock' }); // no seq
    r.s.write(encode([1, 2, 3])); // not a map
    r.send({ seq: 7, action: 'delete_tree', path: Path.ROOT });
    await r.settle();
    const errs = r.got.filter((m) => 'error' in m);
    assert.equal(errs.length, 10, JSON.stringify(r.got));
    assert.deepEqual(errs.map((e) => e.seq ?? null), [1, 2, 3, 4, 5, 6, 4, null, null, 7]);
    assert.equal(errs[0]!.error, 'Unknown action: no_such_thing');
    assert.equal(Buffer.compare(encode(srv.store.getState({ nodes: true, present: true }).present as ValueObject), before), 0);
    assert.equal(srv.store.get(P('a')), undefined);
    r.s.write(new Uint8Array([0xc1, 0xc1])); // never valid msgpack
    await r.settle();
    assert.equal(r.s.closed, true);
    assert.ok('error' in r.got.at(-1)!);
  });

  it('a message over the size limit is refused and the connection closed, the store untouched', async () => {
    const srv = memServer({ maxMessageBytes: 1024 });
    const r = raw(srv);
    r.send({ seq: 1, action: 'set_value', path: P('big'), value: 'x'.repeat(5000) });
    await r.settle();
    assert.equal(r.s.closed, true);
    assert.match(String(r.got.at(-1)!.error), /larger than 1024 bytes/);
    assert.equal(srv.store.get(P('big')), undefined);
  });

  it('no reconnect: when the server goes away every pending call fails once and the client is closed', async () => {
    const logger = new MemoryLogger();
    const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
    const server = new DistkvServer({ name: 'test1', clock: new RealClock(), logger, clientTransport: transport, init: 'v' });
    await server.start();
    const c = await DistkvClient.connect({ port: transport.localAddr().port });
    assert.equal((await c.get(Path.ROOT)).value, 'v');
    const w = c.watch(P('x'));
    const pending = w.next();
    await server.stop();
    await assert.rejects(pending, ClientClosedError);
    await assert.rejects(c.get(Path.ROOT), ClientClosedError);
    assert.ok((await c.whenClosed()) instanceof ClientClosedError);
    assert.equal(c.closed, true);
  });
});
