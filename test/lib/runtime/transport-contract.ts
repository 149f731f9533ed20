// The behaviour protocol code may rely on from PacketTransport and StreamTransport, written once
// and run against every implementation (real sockets in lib/runtime, the simulator in sim/), so
// code tested in the simulator behaves the same over real sockets.
//
// A World gives two runtimes that can reach each other and a way to let time pass: real time
// for sockets, virtual time for the simulator. Tests never `await` a transport promise
// directly (the simulator only makes progress inside `until`); they track it and wait for it.
import { strict as assert } from 'node:assert';
import { TransportError, type Addr, type NodeRuntime, type Stream } from '../../../gossip/runtime.js';

export interface World {
  a: NodeRuntime;
  b: NodeRuntime;
  /** An address where nothing listens (connects are refused). */
  deadAddr: Addr;
  /** Largest datagram the packet transport accepts. */
  maxDatagram: number;
  /** Lets time pass until `pred()` holds; throws naming `what` after `maxMs` of that world's time. */
  until(pred: () => boolean, what: string, maxMs?: number): Promise<void>;
  /** Lets `ms` of that world's time pass. */
  pass(ms: number): Promise<void>;
  close(): Promise<void>;
}

interface Tracked<T> {
  done: boolean;
  value?: T;
  error?: unknown;
}

function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false };
  p.then(
    (v) => Object.assign(t, { done: true, value: v }),
    (e: unknown) => Object.assign(t, { done: true, error: e }),
  );
  return t;
}

interface CloseLog {
  calls: number;
  err?: TransportError;
}

function watchClose(s: Stream): CloseLog {
  const c: CloseLog = { calls: 0 };
  s.onClose((err) => {
    c.calls++;
    c.err = err;
  });
  return c;
}

function bytesOf(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks);
}

export function transportContract(name: string, makeWorld: () => Promise<World>): void {
  describe(`transport contract: ${name}`, () => {
    let w: World;
    beforeEach(async () => {
      w = await makeWorld();
    });
    afterEach(async () => {
      await w.close();
    });

    /** Connects a -> b and returns both ends (b's accepted stream). */
    async function pair(): Promise<{ c: Stream; s: Stream }> {
      let s: Stream | undefined;
      w.b.streams.onStream((x) => (s = x));
      const c = track(w.a.streams.connect(w.b.streams.localAddr(), 5000));
      await w.until(() => c.done && s !== undefined, 'connect and accept');
      assert.ok(c.value, String(c.error));
      return { c: c.value, s: s! };
    }

    it('datagrams go both ways; the sender is seen at its local address; oversized ones are dropped', async () => {
      const atB: [Addr, Uint8Array][] = [];
      const atA: Uint8Array[] = [];
      w.b.packets.onPacket((from, bytes) => atB.push([from, bytes]));
      w.a.packets.onPacket((_from, bytes) => atA.push(bytes));
      w.a.packets.sendTo(w.b.packets.localAddr(), new Uint8Array(w.maxDatagram + 1));
      const buf = new Uint8Array([1, 2, 3]);
      w.a.packets.sendTo(w.b.packets.localAddr(), buf);
      buf.fill(0); // the transport must have taken a copy
      await w.until(() => atB.length > 0, 'datagram at b');
      assert.deepEqual(atB[0]![0], w.a.packets.localAddr());
      assert.deepEqual([...atB[0]![1]], [1, 2, 3]);
      w.b.packets.sendTo(atB[0]![0], new Uint8Array([4]));
      await w.until(() => atA.length > 0, 'reply at a');
      assert.deepEqual([...atA[0]!], [4]);
      assert.equal(atB.length, 1, 'the oversized datagram must not arrive');
    });

    it('a stream carries bytes both ways; end() closes both sides cleanly, once', async () => {
      const { c, s } = await pair();
      assert.deepEqual(c.remote, w.b.streams.localAddr());
      assert.deepEqual(s.remote, c.local);
      const atS: Uint8Array[] = [];
      const atC: Uint8Array[] = [];
      s.onData((b) => atS.push(b));
      c.onData((b) => atC.push(b));
      const cc = watchClose(c);
      const sc = watchClose(s);
      c.write(new TextEncoder().encode('ping'));
      await w.until(() => bytesOf(atS).length === 4, 'ping');
      s.write(new TextEncoder().encode('pong'));
      s.end();
      await w.until(() => cc.calls > 0 && sc.calls > 0, 'both closed');
      assert.equal(bytesOf(atC).toString(), 'pong');
      assert.equal(cc.err, undefined);
      assert.equal(sc.err, undefined);
      assert.ok(c.closed && s.closed);
      await w.pass(50);
      assert.equal(cc.calls, 1);
      assert.equal(sc.calls, 1);
    });

    it('bytes written before the peer registers onData are not lost', async () => {
      const { c, s } = await pair();
      c.write(new Uint8Array([1, 2]));
      c.write(new Uint8Array([3]));
      await w.pass(100);
      const got: Uint8Array[] = [];
      s.onData((b) => got.push(b));
      await w.until(() => bytesOf(got).length === 3, 'late reader gets all bytes');
      assert.deepEqual([...bytesOf(got)], [1, 2, 3]);
    });

    it("connecting where nobody listens rejects with TransportError 'refused'", async () => {
      const r = track(w.a.streams.connect(w.deadAddr, 5000));
      await w.until(() => r.done, 'connect outcome');
      assert.ok(r.error instanceof TransportError, String(r.error));
      assert.equal(r.error.code, 'refused');
    });

    it("destroy(err) closes our side with err and the peer's with 'reset'; writes after close return false", async () => {
      const { c, s } = await pair();
      c.onData(() => {});
      s.onData(() => {});
      const cc = watchClose(c);
      const sc = watchClose(s);
      const reason = new TransportError('io', 'protocol violation');
      s.destroy(reason);
      await w.until(() => cc.calls > 0 && sc.calls > 0, 'both closed');
      assert.equal(sc.err, reason);
      assert.equal(cc.err?.code, 'reset');
      assert.equal(c.write(new Uint8Array(1)), false);
      assert.equal(s.write(new Uint8Array(1)), false);
      c.end();
      c.destroy();
    });

    it('a close handler first registered after the close still runs, once, and not synchronously', async () => {
      const { c, s } = await pair();
      c.onData(() => {});
      s.onData(() => {});
      s.end();
      await w.until(() => c.closed, 'closed');
      await w.pass(50);
      let late = 0;
      c.onClose(() => late++);
      assert.equal(late, 0);
      await w.until(() => late > 0, 'late handler');
      await w.pass(50);
      assert.equal(late, 1);
    });

    it('write() reports backpressure and onDrain lets a big transfer finish in order', async () => {
      const { c, s } = await pair();
      const total = 8 << 20; // more than the kernel's loopback socket buffers hold
      const data = new Uint8Array(total);
      for (let i = 0; i < total; i++) data[i] = (i * 7) & 0xff;
      let received = 0;
      const got: Uint8Array[] = [];
      s.onData((b) => {
        got.push(b);
        received += b.length;
      });
      let off = 0;
      let waits = 0;
      let writable = true;
      c.onDrain(() => (writable = true));
      while (off < total) {
        if (!writable) {
          await w.until(() => writable, 'drain');
          continue;
        }
        const n = Math.min(64 * 1024, total - off);
        if (!c.write(data.subarray(off, off + n))) {
          writable = false;
          waits++;
        }
        off += n;
      }
      await w.until(() => received === total, 'all bytes', 30_000);
      assert.ok(bytesOf(got).equals(data));
      assert.ok(waits > 0, 'write() never asked to wait');
    });
  });
}
