// Codec-level interop: packets and streams built by OUR wire code (every layering variant:
// compound, compress, CRC, encryption versions 0 and 1, AES-128/256) are accepted by a real
// `serf agent` (memberlist 0.2.2), which answers our pings with acks we decode. The protocol engine
// is not involved; its interop tests live in serf-memberlist*.test.ts.
import { strict as assert } from 'node:assert';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { encodeMessage } from '../../gossip/memberlist/codec.js';
import { makeCompound } from '../../gossip/memberlist/compound.js';
import { addCrc } from '../../gossip/memberlist/crc.js';
import { Keyring } from '../../gossip/memberlist/keyring.js';
import type { AckMsg, PingMsg } from '../../gossip/memberlist/messages.js';
import { compressMessage, packPacket, unpackPacket } from '../../gossip/memberlist/packet.js';
import { encryptPayload } from '../../gossip/memberlist/security.js';
import { encodePushPull, encodeStreamFrame, readStreamMessage } from '../../gossip/memberlist/stream.js';
import { serfAvailable, serfMembers, startSerfAgent, stopAllPeers, waitFor, type SerfAgent } from './peers.js';

const key16 = Uint8Array.from({ length: 16 }, (_, i) => i * 7 + 1);
const key32 = Uint8Array.from({ length: 32 }, (_, i) => 255 - i * 3);
const b64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');
const random = { bytes: (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff) };

describe('interop: our memberlist wire codec vs a real serf agent', function () {
  this.timeout(60_000);
  let plain: SerfAgent;
  let enc16: SerfAgent;
  let enc32: SerfAgent;
  let sock: Socket;
  let port = 0;
  let seq = 1000;
  const replies: Uint8Array[] = [];

  before(async function () {
    if (!serfAvailable()) {
      console.warn('SKIPPED memberlist codec interop: no serf binary (apt-get install serf)');
      this.skip();
    }
    [plain, enc16, enc32] = await Promise.all([
      startSerfAgent({ node: 'codec-plain' }),
      startSerfAgent({ node: 'codec-enc16', encrypt: b64(key16) }),
      startSerfAgent({ node: 'codec-enc32', encrypt: b64(key32) }),
    ]);
    sock = createSocket('udp4');
    sock.on('message', (m) => replies.push(new Uint8Array(m)));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    port = sock.address().port;
  });

  after(async () => {
    sock?.close();
    await stopAllPeers();
  });

  const pingFor = (agent: SerfAgent): PingMsg => ({
    type: 'ping',
    seqNo: ++seq,
    node: agent.node,
    sourceAddr: Uint8Array.of(127, 0, 0, 1),
    sourcePort: port,
    sourceNode: 'codec-test',
  });

  /** Sends one datagram; returns the acks (by seqNo) that arrive within `ms`. */
  async function roundTrip(agent: SerfAgent, packet: Uint8Array, keyring: Keyring | undefined, ms = 1500): Promise<AckMsg[]> {
    replies.length = 0;
    sock.send(packet, agent.bindPort, '127.0.0.1');
    const acks: AckMsg[] = [];
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
      while (replies.length) {
        const u = unpackPacket(replies.shift()!, { keyring });
        for (const m of u.messages) if (m.type === 'ack') acks.push(m);
      }
      if (acks.length && Date.now() > until - ms + 200) break;
    }
    return acks;
  }

  it('plain ping, compressed ping, CRC ping, compound of two pings: all acked with a coordinate', async () => {
    const p1 = pingFor(plain);
    let acks = await roundTrip(plain, encodeMessage(p1), undefined);
    assert.deepEqual(acks.map((a) => a.seqNo), [p1.seqNo]);
    assert.ok(acks[0]!.payload && acks[0]!.payload.length > 50, 'serf puts its coordinate in the ack');

    const p2 = pingFor(plain);
    acks = await roundTrip(plain, compressMessage(encodeMessage(p2)), undefined);
    assert.deepEqual(acks.map((a) => a.seqNo), [p2.seqNo]);

    const p3 = pingFor(plain);
    acks = await roundTrip(plain, addCrc(compressMessage(encodeMessage(p3))), undefined);
    assert.deepEqual(acks.map((a) => a.seqNo), [p3.seqNo]);

    const p4 = pingFor(plain);
    const p5 = pingFor(plain);
    acks = await roundTrip(plain, addCrc(makeCompound([encodeMessage(p4), encodeMessage(p5)])), undefined);
    assert.deepEqual(acks.map((a) => a.seqNo).sort(), [p4.seqNo, p5.seqNo]);
  });

  it('a CRC that does not match is dropped by the agent', async () => {
    const bad = addCrc(encodeMessage(pingFor(plain)));
    bad[2]! ^= 0xff;
    assert.deepEqual(await roundTrip(plain, bad, undefined, 800), []);
  });

  it('encrypted pings (AES-128 v1 and v0, AES-256 v1, with crc + compression) are acked encrypted', async () => {
    const k16 = new Keyring(key16);
    const k32 = new Keyring(key32);
    const p1 = pingFor(enc16);
    let acks = await roundTrip(enc16, packPacket(encodeMessage(p1), { keyring: k16, random }), k16);
    assert.deepEqual(acks.map((a) => a.seqNo), [p1.seqNo]);

    const p2 = pingFor(enc16);
    acks = await roundTrip(enc16, encryptPayload(0, key16, encodeMessage(p2), random.bytes(12)), k16);
    assert.deepEqual(acks.map((a) => a.seqNo), [p2.seqNo], 'version 0 (PKCS7) is still accepted');

    const p3 = pingFor(enc32);
    acks = await roundTrip(enc32, packPacket(compressMessage(encodeMessage(p3)), { crc: true, keyring: k32, random }), k32);
    assert.deepEqual(acks.map((a) => a.seqNo), [p3.seqNo]);
  });

  it('wrong key or no encryption: the encrypted agent stays silent', async () => {
    const wrong = new Keyring(key32);
    assert.deepEqual(await roundTrip(enc16, packPacket(encodeMessage(pingFor(enc16)), { keyring: wrong, random }), wrong, 800), []);
    assert.deepEqual(await roundTrip(enc16, encodeMessage(pingFor(enc16)), new Keyring(key16), 800), []);
  });

  async function exchange(agent: SerfAgent, frame: Uint8Array, keyring: Keyring | undefined): Promise<ReturnType<typeof readStreamMessage>> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = connect(agent.bindPort, '127.0.0.1', () => s.write(frame));
      s.on('data', (d) => {
        chunks.push(d);
        const r = readStreamMessage(new Uint8Array(Buffer.concat(chunks)), { keyring });
        if (r) {
          s.destroy();
          resolve(r);
        }
      });
      s.on('error', reject);
      s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    });
  }

  it('a push-pull join we encode is merged: the agent lists our node, and replies with its own state', async () => {
    const keyring = new Keyring(key16);
    const ghost = { name: 'codec-ghost', addr: Uint8Array.of(127, 0, 0, 1), port, meta: Uint8Array.of(0xff, 0x80), incarnation: 1, state: 0, vsn: [1, 5, 2, 2, 5, 5] };
    const r = (await exchange(enc16, encodeStreamFrame(encodePushPull(true, [ghost], null), { compress: true, keyring, random }), keyring))!;
    assert.equal(r.msg.type, 'pushPull');
    if (r.msg.type !== 'pushPull') return;
    assert.equal(r.msg.join, true);
    assert.deepEqual(r.msg.nodes.map((n) => n.name), ['codec-enc16']);
    assert.ok(r.msg.userState && r.msg.userState.length > 0, 'serf sends its push-pull state');
    await waitFor(async () => (await serfMembers(enc16.rpcAddr)).some((m) => m.name === 'codec-ghost'), 5000, 'agent lists codec-ghost');
  });

  async function streamPing(agent: SerfAgent, keyring: Keyring | undefined, compress: boolean): Promise<AckMsg> {
    const ping = pingFor(agent);
    const frame = encodeStreamFrame(encodeMessage(ping), { compress, keyring, random });
    const r = (await exchange(agent, frame, keyring))!;
    assert.equal(r.msg.type, 'ack');
    assert.equal(r.encrypted, keyring !== undefined);
    assert.ok(r.compressed, 'serf compresses its stream replies');
    const ack = r.msg as AckMsg;
    assert.equal(ack.seqNo, ping.seqNo);
    return ack;
  }

  it('TCP ping (plain, compressed, encrypted AES-128 and AES-256) gets a stream ack', async () => {
    await streamPing(plain, undefined, false);
    await streamPing(plain, undefined, true);
    await streamPing(enc16, new Keyring(key16), true);
    await streamPing(enc32, new Keyring(key32), false);
  });
});
