import { strict as assert } from 'node:assert';
import { TransportError, sleep, type NodeRuntime } from '../../../gossip/runtime.js';
import { createRealRuntime, MemoryLogger, type RealRuntime } from '../../../lib/runtime/index.js';
import { failOnUnhandledRejections } from './no-unhandled.js';

describe('lib/runtime (createRealRuntime)', () => {
  failOnUnhandledRejections();
  const open: RealRuntime[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
  });
  async function runtime(port = 0): Promise<RealRuntime> {
    const r = await createRealRuntime({ bind: { port }, logger: new MemoryLogger() });
    open.push(r);
    return r;
  }

  it('binds UDP and TCP on the same loopback port and works through the NodeRuntime seams', async () => {
    const a = await runtime();
    const b: NodeRuntime = await runtime();
    assert.equal(a.addr.host, '127.0.0.1');
    assert.deepEqual(a.packets.localAddr(), a.streams.localAddr());
    assert.deepEqual(a.packets.localAddr(), a.addr);

    const got = new Promise<Uint8Array>((resolve) => b.packets.onPacket((_f, bytes) => resolve(bytes)));
    a.packets.sendTo(b.packets.localAddr(), new Uint8Array([7]));
    assert.deepEqual([...(await got)], [7]);

    b.streams.onStream((s) => s.onData((d) => (s.write(d), s.end())));
    const s = await a.streams.connect(b.streams.localAddr(), 1000);
    const echoed = new Promise<number[]>((resolve) => s.onData((d) => resolve([...d])));
    s.write(new Uint8Array([1, 2]));
    assert.deepEqual(await echoed, [1, 2]);

    await sleep(a.clock, 1);
    assert.equal(a.random.bytes(8).length, 8);
  });

  it('a given port is used for both; a taken port fails with a readable error', async () => {
    const a = await runtime();
    const port = a.addr.port;
    await a.close();
    const b = await runtime(port);
    assert.equal(b.addr.port, port);
    await assert.rejects(createRealRuntime({ bind: { port }, logger: new MemoryLogger() }), (e) => {
      assert.ok(e instanceof TransportError);
      assert.match(e.message, /address already in use/);
      return true;
    });
  });

  it('close() cancels pending timers and closes both transports; it is idempotent', async () => {
    const r = await runtime();
    let fired = false;
    r.clock.setTimer(5, () => (fired = true));
    await r.close();
    await r.close();
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(fired, false);
    await assert.rejects(r.streams.connect({ host: '127.0.0.1', port: 1 }, 100), (e) => e instanceof TransportError && e.code === 'closed');
    // Rebinding the same port proves both sockets are gone.
    const again = await runtime(r.addr.port);
    assert.equal(again.addr.port, r.addr.port);
  });
});
