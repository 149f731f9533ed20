import { strict as assert } from 'node:assert';
import { TransportError, type Addr, type Stream } from '../../gossip/runtime.js';
import { probe, probes } from './helpers.js';

function collect(s: Stream): { data: number[]; closed: { err?: TransportError } | undefined } {
  const out: { data: number[]; closed: { err?: TransportError } | undefined } = { data: [], closed: undefined };
  s.onData((b) => out.data.push(...b));
  s.onClose((err) => (out.closed = { err }));
  return out;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof TransportError, `not a TransportError: ${String(e)}`);
    return e.code;
  }
}

describe('sim/streams', () => {
  it('connects, delivers both ways in order with latency, ends cleanly on both sides', async () => {
    const sim = await probes(2, { link: { latencyMs: 3, jitterMs: 2 } });
    const server = probe(sim, 'n2');
    let srv: ReturnType<typeof collect> | undefined;
    let accepted: Stream | undefined;
    server.rt.streams.onStream((s) => {
      accepted = s;
      srv = collect(s);
      s.write(Uint8Array.of(100));
    });
    const conn = probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 1000);
    let cli: ReturnType<typeof collect> | undefined;
    let connectedAt = -1;
    void conn.then((s) => {
      connectedAt = sim.now();
      cli = collect(s);
      for (let i = 0; i < 50; i++) s.write(Uint8Array.of(i));
      s.end();
    });
    await sim.runFor(1000);
    assert.ok(connectedAt >= 6 && connectedAt < 10, `handshake took ${connectedAt} ms`);
    assert.deepEqual(srv!.data, Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(cli!.data, [100]);
    assert.deepEqual(srv!.closed, { err: undefined });
    assert.deepEqual(cli!.closed, { err: undefined });
    assert.equal(accepted!.remote.host, sim.addrOf('n1').host);
    assert.deepEqual(accepted!.local, sim.addrOf('n2'));
    assert.equal(accepted!.closed, true);
    assert.equal(sim.stats().streams.opened, 1);
  });

  it('connect is refused when nobody listens or the node is down, and times out across a partition', async () => {
    const sim = await probes(3);
    const a = probe(sim, 'n1').rt.streams;
    const refused = code(a.connect(sim.addrOf('n2'), 500)); // n2 never called onStream
    const nowhere = code(a.connect({ host: '10.1.2.3', port: 9 }, 500));
    sim.crash('n3');
    const down = code(a.connect(sim.addrOf('n3'), 500));
    await sim.runFor(1000);
    assert.equal(await refused, 'refused');
    assert.equal(await nowhere, 'refused');
    assert.equal(await down, 'refused');

    probe(sim, 'n2').rt.streams.onStream(() => {});
    sim.partition([['n1'], ['n2']]);
    const t0 = sim.now();
    let at = -1;
    const cut = code(a.connect(sim.addrOf('n2'), 700).finally(() => (at = sim.now())));
    await sim.runFor(2000);
    assert.equal(await cut, 'timeout');
    assert.equal(at - t0, 700);
    // The other direction too.
    const back = code(probe(sim, 'n2').rt.streams.connect(sim.addrOf('n1'), 300));
    await sim.runFor(1000);
    assert.equal(await back, 'timeout');
    sim.heal();
    const healed = code(a.connect(sim.addrOf('n2'), 700));
    await sim.runFor(1000);
    assert.equal(await healed, 'ok');
  });

  it('a one-way partition also breaks the handshake (TCP needs both directions)', async () => {
    const sim = await probes(2);
    probe(sim, 'n2').rt.streams.onStream(() => {});
    sim.partition([['n2'], ['n1']], { oneWay: true });
    const r = code(probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 400));
    await sim.runFor(1000);
    assert.equal(await r, 'timeout');
  });

  it("an open stream cut by a partition breaks on both ends with 'reset'", async () => {
    const sim = await probes(2);
    let srv: ReturnType<typeof collect> | undefined;
    probe(sim, 'n2').rt.streams.onStream((s) => (srv = collect(s)));
    let cli: ReturnType<typeof collect> | undefined;
    let stream: Stream | undefined;
    void probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 500).then((s) => {
      stream = s;
      cli = collect(s);
    });
    await sim.runFor(100);
    stream!.write(Uint8Array.of(1));
    await sim.runFor(100);
    assert.deepEqual(srv!.data, [1]);
    sim.partition([['n1'], ['n2']]);
    await sim.runFor(10);
    assert.equal(cli!.closed?.err?.code, 'reset');
    assert.equal(srv!.closed?.err?.code, 'reset');
    assert.equal(stream!.write(Uint8Array.of(2)), false, 'writes after the break are refused, not thrown');
  });

  it("a crashed peer's streams reset on the surviving side; the crashed side hears nothing", async () => {
    const sim = await probes(2);
    let srv: ReturnType<typeof collect> | undefined;
    probe(sim, 'n2').rt.streams.onStream((s) => (srv = collect(s)));
    let cli: ReturnType<typeof collect> | undefined;
    void probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 500).then((s) => (cli = collect(s)));
    await sim.runFor(100);
    assert.ok(srv && cli);
    sim.crash('n2');
    await sim.runFor(100);
    assert.equal(cli.closed?.err?.code, 'reset');
    assert.equal(srv.closed, undefined);
  });

  it('a server that crashes mid-handshake refuses the connect instead of leaving it half-open', async () => {
    const sim = await probes(2, { link: { latencyMs: 10, jitterMs: 0 } });
    probe(sim, 'n2').rt.streams.onStream(() => {});
    const r = code(probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 500));
    await sim.runFor(15); // SYN answered at 10, SYN-ACK lands at 20
    sim.crash('n2');
    await sim.runFor(100);
    assert.equal(await r, 'refused');
  });

  it("destroy() closes locally at once and resets the peer", async () => {
    const sim = await probes(2);
    let srv: ReturnType<typeof collect> | undefined;
    probe(sim, 'n2').rt.streams.onStream((s) => (srv = collect(s)));
    let cli: ReturnType<typeof collect> | undefined;
    let stream: Stream | undefined;
    void probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 500).then((s) => {
      stream = s;
      cli = collect(s);
    });
    await sim.runFor(100);
    stream!.destroy();
    assert.equal(stream!.closed, true);
    await sim.runFor(100);
    assert.deepEqual(cli!.closed, { err: undefined });
    assert.equal(srv!.closed?.err?.code, 'reset');
  });

  it('a paused server accepts late (the kernel completed the handshake); the client sees no delay', async () => {
    const sim = await probes(2, { link: { latencyMs: 1, jitterMs: 0 } });
    let acceptedAt = -1;
    probe(sim, 'n2').rt.streams.onStream(() => (acceptedAt = sim.now()));
    sim.pause('n2', 500);
    let connectedAt = -1;
    void probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 100).then(() => (connectedAt = sim.now()));
    await sim.runFor(1000);
    assert.equal(connectedAt, 2);
    assert.equal(acceptedAt, 500);
  });

  it('write() reports backpressure past the high-water mark and onDrain fires once data lands', async () => {
    const sim = await probes(2);
    let received = 0;
    probe(sim, 'n2').rt.streams.onStream((s) => s.onData((b) => (received += b.length)));
    let stream: Stream | undefined;
    void probe(sim, 'n1').rt.streams.connect(sim.addrOf('n2'), 500).then((s) => (stream = s));
    await sim.runFor(100);
    let drained = 0;
    stream!.onDrain(() => drained++);
    const chunk = new Uint8Array(64 * 1024);
    const oks = Array.from({ length: 6 }, () => stream!.write(chunk));
    assert.deepEqual(oks, [true, true, true, true, false, false]);
    await sim.runFor(100);
    assert.equal(received, 6 * 64 * 1024);
    assert.equal(drained, 1);
  });

  it('a second port (rt.listen): its own listener, refused where nobody listens, closed with the life', async () => {
    const sim = await probes(2);
    const n2 = probe(sim, 'n2').rt;
    const gossip: string[] = [];
    const client: string[] = [];
    n2.streams.onStream((s) => gossip.push(`${s.local.port}`));
    const port = n2.listen(27586);
    assert.deepEqual(port.localAddr(), { host: sim.addrOf('n2').host, port: 27586 });
    port.onStream((s) => client.push(`${s.local.port}`));
    const a = probe(sim, 'n1').rt.streams;
    let remote: Addr | undefined;
    const toClient = a.connect({ host: sim.addrOf('n2').host, port: 27586 }, 500).then((s) => (remote = s.remote));
    const toGossip = code(a.connect(sim.addrOf('n2'), 500));
    const toNothing = code(a.connect({ host: sim.addrOf('n2').host, port: 9 }, 500));
    await sim.runFor(100);
    await toClient;
    assert.deepEqual(remote, { host: sim.addrOf('n2').host, port: 27586 });
    assert.deepEqual([client, gossip], [['27586'], ['7946']]);
    assert.equal(await toGossip, 'ok');
    assert.equal(await toNothing, 'refused');
    // a restarted node listens only where its new life asks to
    await sim.restart('n2');
    const again = code(a.connect({ host: sim.addrOf('n2').host, port: 27586 }, 500));
    await sim.runFor(100);
    assert.equal(await again, 'refused');
    assert.throws(() => probe(sim, 'n2').rt.listen(sim.addrOf('n2').port), /already listens/);
  });
});
