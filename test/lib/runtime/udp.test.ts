import { strict as assert } from 'node:assert';
import type { Addr, PacketTransport } from '../../../gossip/runtime.js';
import { MemoryLogger } from '../../../lib/runtime/logger.js';
import { bindUdp, MAX_DATAGRAM_V4, type UdpTransport } from '../../../lib/runtime/udp.js';
import { failOnUnhandledRejections } from './no-unhandled.js';

function nextPacket(t: PacketTransport): Promise<{ from: Addr; bytes: Uint8Array }> {
  return new Promise((resolve) => t.onPacket((from, bytes) => resolve({ from, bytes })));
}

describe('lib/runtime/udp', () => {
  failOnUnhandledRejections();
  const log = new MemoryLogger('debug');
  const open: UdpTransport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
    log.clear();
  });
  async function bind(host = '127.0.0.1'): Promise<UdpTransport> {
    const t = await bindUdp({ host, port: 0, logger: log });
    open.push(t);
    return t;
  }

  it('two sockets exchange datagrams both ways through the seam', async () => {
    const a: PacketTransport = await bind();
    const b: PacketTransport = await bind();
    assert.equal(a.localAddr().host, '127.0.0.1');
    assert.ok(a.localAddr().port > 0 && a.localAddr().port !== b.localAddr().port);

    const atB = nextPacket(b);
    a.sendTo(b.localAddr(), new Uint8Array([1, 2, 3]));
    const got = await atB;
    assert.deepEqual([...got.bytes], [1, 2, 3]);
    assert.deepEqual(got.from, a.localAddr());

    const atA = nextPacket(a);
    b.sendTo(got.from, new Uint8Array([9]));
    assert.deepEqual([...(await atA).bytes], [9]);
  });

  it('a full-size 64 KiB-class datagram arrives intact; the receive buffer holds it', async () => {
    const a = await bind();
    const b = await bind();
    assert.ok(b.recvBufferSize() >= 2 * MAX_DATAGRAM_V4, `recv buffer ${b.recvBufferSize()}`);
    const big = new Uint8Array(MAX_DATAGRAM_V4);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const atB = nextPacket(b);
    a.sendTo(b.localAddr(), big);
    assert.deepEqual((await atB).bytes, Buffer.from(big));
  });

  it('sendTo copies: the caller may reuse its buffer at once', async () => {
    const a = await bind();
    const b = await bind();
    const atB = nextPacket(b);
    const buf = new Uint8Array([5, 5, 5]);
    a.sendTo(b.localAddr(), buf);
    buf.fill(0);
    assert.deepEqual([...(await atB).bytes], [5, 5, 5]);
  });

  it("an oversized datagram is refused with a logged 'too-big', not thrown", async () => {
    const a = await bind();
    const b = await bind();
    const received: number[] = [];
    const small = new Promise<void>((resolve) =>
      b.onPacket((_f, bytes) => {
        received.push(bytes.length);
        if (bytes.length === 1) resolve();
      }),
    );
    a.sendTo(b.localAddr(), new Uint8Array(MAX_DATAGRAM_V4 + 1));
    a.sendTo(b.localAddr(), new Uint8Array(1));
    await small;
    assert.deepEqual(received, [1]);
    assert.equal(log.find('too-big', 'warn').length, 1);
    assert.equal(a.stats.sendErrors, 1);
  });

  it('send errors and sends after close are logged, never thrown', async () => {
    const a = await bind();
    a.sendTo({ host: '127.0.0.1', port: 0 }, new Uint8Array(1)); // port 0: invalid destination
    a.sendTo({ host: '::1', port: 9 }, new Uint8Array(1)); // IPv6 from an IPv4 socket
    await a.close();
    a.sendTo({ host: '127.0.0.1', port: 9 }, new Uint8Array(1));
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(log.find('not sent', 'warn').length >= 1, log.dump());
    assert.equal(log.find('after close').length, 1);
    await a.close(); // idempotent
  });

  it('works on an IPv6 loopback literal', async function () {
    let a: UdpTransport;
    try {
      a = await bind('::1');
    } catch (e) {
      console.warn(`SKIPPED: no IPv6 loopback here (${(e as Error).message})`);
      this.skip();
    }
    const b = await bind('::1');
    assert.equal(a.localAddr().host, '::1');
    const atB = nextPacket(b);
    a.sendTo(b.localAddr(), new Uint8Array([42]));
    const got = await atB;
    assert.deepEqual([...got.bytes], [42]);
    assert.deepEqual(got.from, a.localAddr());
  });

  it('the IPv6 wildcard is dual-stack: IPv4 peers reach it and get replies', async function () {
    let any: UdpTransport;
    try {
      any = await bind('::');
    } catch (e) {
      console.warn(`SKIPPED: no IPv6 here (${(e as Error).message})`);
      this.skip();
    }
    const v4 = await bind('127.0.0.1');
    const atAny = nextPacket(any);
    v4.sendTo({ host: '127.0.0.1', port: any.localAddr().port }, new Uint8Array([1]));
    const got = await atAny;
    assert.deepEqual(got.from, v4.localAddr()); // reported as plain IPv4, not ::ffff:127.0.0.1
    const atV4 = nextPacket(v4);
    any.sendTo(got.from, new Uint8Array([2]));
    assert.deepEqual([...(await atV4).bytes], [2]);
  });

  it('rejects a host that is not an IP literal', async () => {
    await assert.rejects(bindUdp({ host: 'localhost', logger: log }), { name: 'TransportError' });
  });
});
