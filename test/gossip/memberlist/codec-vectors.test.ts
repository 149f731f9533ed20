// Captured real Serf 0.9.4 / memberlist 0.2.2 traffic (test/vectors/memberlist/) against our codec:
// every curated vector decodes to the fields its index states, and every captured packet and
// stream re-encodes byte for byte (the Go side is deterministic except for nonces, which we reuse).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '../../../gossip/decode-error.js';
import { decodeMessage, encodeMessage } from '../../../gossip/memberlist/codec.js';
import { makeCompound } from '../../../gossip/memberlist/compound.js';
import { addCrc, verifyCrc } from '../../../gossip/memberlist/crc.js';
import type { Keyring } from '../../../gossip/memberlist/keyring.js';
import { lzwCompress } from '../../../gossip/memberlist/lzw.js';
import { MessageType, type LeafMessage, type StreamMessage } from '../../../gossip/memberlist/messages.js';
import { compressMessage, decompressBody, unpackPacket } from '../../../gossip/memberlist/packet.js';
import { decryptPayload, encryptPayload } from '../../../gossip/memberlist/security.js';
import { encodePushPull, encodeStreamFrame, readStreamMessage } from '../../../gossip/memberlist/stream.js';
import { bytesOf, keyringFor, loadScenario, portOf, SCENARIOS, type ScenarioName } from '../../vectors/memberlist/load.js';

const here = dirname(fileURLToPath(import.meta.url));
const index = JSON.parse(readFileSync(join(here, '../../vectors/memberlist/index.json'), 'utf8')) as {
  vectors: { id: string; dir: string; stream?: boolean; layers: string[]; messages: Record<string, unknown>[] }[];
};

const hex = (b: Uint8Array | null | undefined): string | null => (b == null ? null : Buffer.from(b).toString('hex'));

/** Outside-in wrappers of a UDP packet and its leaf messages (our own walk, not unpackPacket). */
function peel(buf: Uint8Array, keyring: Keyring | undefined): { layers: string[]; leaves: LeafMessage[] } {
  const layers: string[] = [];
  let b = buf;
  if (keyring) {
    b = decryptPayload(keyring.getKeys(), b);
    layers.push('encrypt');
  }
  if (b[0] === MessageType.hasCrc) {
    b = verifyCrc(b);
    layers.push('crc');
  }
  const leaves: LeafMessage[] = [];
  const walk = (x: Uint8Array): void => {
    const m = decodeMessage(x);
    if (m.type === 'compress') {
      layers.push('compress');
      walk(decompressBody(m.algo, m.buf));
    } else if (m.type === 'compound') {
      layers.push('compound');
      m.parts.forEach(walk);
    } else if (m.type === 'hasCrc') throw new Error('nested crc');
    else leaves.push(m);
  };
  walk(b);
  return { layers, leaves };
}

/** Rebuilds a plain (decrypted) packet from its decoded structure. */
function repack(buf: Uint8Array): Uint8Array {
  const m = decodeMessage(buf);
  switch (m.type) {
    case 'hasCrc':
      return addCrc(repack(m.inner));
    case 'compound':
      assert.equal(m.truncated, 0);
      return makeCompound(m.parts.map(repack));
    case 'compress':
      // Go's LZW is deterministic: recompressing the decompressed bytes gives the same stream.
      assert.equal(hex(lzwCompress(decompressBody(m.algo, m.buf))), hex(m.buf));
      return compressMessage(repack(decompressBody(m.algo, m.buf)));
    default:
      return encodeMessage(m);
  }
}

function checkFields(msg: Record<string, unknown>, want: Record<string, unknown>, ports: (a: string) => number, ctx: string): void {
  for (const [k, v] of Object.entries(want)) {
    const got = msg[k === 'payloadLen' || k === 'payloadHex' || k === 'payloadPrefixHex' ? 'payload' : k === 'userStateLen' ? 'userState' : k];
    const where = `${ctx}.${k}`;
    if (k === 'payloadLen' || k === 'userStateLen') assert.equal(got === null ? null : (got as Uint8Array).length, v, where);
    else if (k === 'payloadHex') assert.equal(hex(got as Uint8Array), v, where);
    else if (k === 'payloadPrefixHex') assert.ok(hex(got as Uint8Array)!.startsWith(v as string), where);
    else if (k === 'addr' || k === 'meta' || k === 'target' || k === 'sourceAddr') assert.equal(hex(got as Uint8Array), v, where);
    else if ((k === 'port' || k === 'sourcePort') && typeof v === 'string') assert.equal(got, ports(v), where);
    else if (k === 'vsn') assert.deepEqual(Array.from(got as number[]), v, where);
    else if (k === 'nodes') {
      const nodes = got as Record<string, unknown>[];
      const wantNodes = v as Record<string, unknown>[];
      assert.equal(nodes.length, wantNodes.length, where);
      wantNodes.forEach((w, i) => checkFields(nodes[i]!, w, ports, `${where}[${i}]`));
    } else assert.deepEqual(got, v, where);
  }
}

describe('memberlist codec against captured Serf traffic', () => {
  for (const vec of index.vectors) {
    it(`${vec.id} (${vec.dir}: ${vec.layers.join('+') || 'bare'} ${vec.messages.map((m) => m.type).join(',')})`, () => {
      const [scen, proto, i] = vec.id.split('/') as [ScenarioName, 'udp' | 'tcp', string];
      const s = loadScenario(scen);
      const cap = s[proto].find((c) => c.i === Number(i))!;
      const [from, to] = vec.dir.split('->');
      // TCP flows are named by the connecting side's ephemeral port; only check the listening side.
      if (proto === 'udp') assert.deepEqual([cap.from, cap.to], [from, to]);
      const buf = bytesOf(cap);
      const ports = (a: string): number => portOf(s, a);
      const keyring = keyringFor(scen);
      if (vec.stream) {
        const r = readStreamMessage(buf, { keyring });
        assert.ok(r, 'complete stream message');
        assert.equal(r.consumed, buf.length);
        const layers = [...(r.encrypted ? ['encrypt'] : []), ...(r.compressed ? ['compress'] : [])];
        assert.deepEqual(layers, vec.layers);
        assert.equal(vec.messages.length, 1);
        checkFields(r.msg as unknown as Record<string, unknown>, vec.messages[0]!, ports, vec.id);
      } else {
        const { layers, leaves } = peel(buf, keyring);
        assert.deepEqual(layers, vec.layers);
        assert.equal(leaves.length, vec.messages.length);
        leaves.forEach((m, j) => checkFields(m as unknown as Record<string, unknown>, vec.messages[j]!, ports, `${vec.id}[${j}]`));
        // unpackPacket agrees with the manual walk
        const u = unpackPacket(buf, { keyring });
        assert.deepEqual(u.messages, leaves);
        assert.equal(u.errors.length, 0);
      }
    });
  }

  for (const scen of SCENARIOS) {
    it(`${scen}: every UDP packet decodes and re-encodes byte-identically`, () => {
      const s = loadScenario(scen);
      const keyring = keyringFor(scen);
      assert.ok(s.udp.length > 10);
      for (const c of s.udp) {
        const buf = bytesOf(c);
        if (keyring) {
          const plain = decryptPayload(keyring.getKeys(), buf);
          assert.equal(buf[0], 1, 'encryption version 1');
          const again = encryptPayload(1, keyring.primaryKey()!, repack(plain), buf.subarray(1, 13));
          assert.equal(hex(again), c.hex, `udp#${c.i}`);
        } else {
          assert.equal(hex(repack(buf)), c.hex, `udp#${c.i}`);
        }
      }
    });

    it(`${scen}: every TCP stream decodes and re-encodes byte-identically`, () => {
      const s = loadScenario(scen);
      const keyring = keyringFor(scen);
      assert.ok(s.tcp.length >= 2);
      for (const c of s.tcp) {
        const buf = bytesOf(c);
        const r = readStreamMessage(buf, { keyring })!;
        assert.equal(r.consumed, buf.length, `tcp#${c.i}`);
        // every prefix is "need more", never an error
        for (const n of [0, 1, 4, 5, buf.length >> 1, buf.length - 1]) {
          if (n < buf.length) assert.equal(readStreamMessage(buf.subarray(0, n), { keyring }), null, `tcp#${c.i} prefix ${n}`);
        }
        const plain = plainOf(r.msg);
        const nonce = keyring ? buf.subarray(6, 18) : new Uint8Array(12);
        const again = encodeStreamFrame(plain, { compress: r.compressed, keyring, random: { bytes: () => nonce } });
        assert.equal(hex(again), c.hex, `tcp#${c.i}`);
      }
    });
  }

  it('err.json: the error replies real agents send on an encryption mismatch re-encode byte for byte', () => {
    const v = JSON.parse(readFileSync(join(here, '../../vectors/memberlist/err.json'), 'utf8')) as Record<string, { hex: string }>;
    const keyring = keyringFor('enc16');
    const cases = [
      { hex: v.plainToEncrypted!.hex, keyring, text: 'Encryption is configured but remote state is not encrypted' },
      { hex: v.encryptedToPlain!.hex, keyring: undefined, text: 'Remote state is encrypted and encryption is not configured' },
    ];
    for (const c of cases) {
      const buf = new Uint8Array(Buffer.from(c.hex, 'hex'));
      const r = readStreamMessage(buf, { keyring: c.keyring })!;
      assert.deepEqual(r.msg, { type: 'err', error: c.text });
      assert.ok(r.compressed);
      assert.equal(r.encrypted, c.keyring !== undefined);
      const nonce = buf.subarray(6, 18);
      assert.equal(hex(encodeStreamFrame(encodeMessage(r.msg as never), { compress: true, keyring: c.keyring, random: { bytes: () => nonce } })), c.hex);
    }
  });

  it('an unencrypted stream is refused when a keyring is set; an encrypted one without keys too', () => {
    const plainStream = bytesOf(loadScenario('nocomp').tcp[0]!);
    assert.throws(() => readStreamMessage(plainStream, { keyring: keyringFor('enc16') }), DecodeError);
    assert.ok(readStreamMessage(plainStream, { keyring: keyringFor('enc16'), verifyIncoming: false }));
    const enc = bytesOf(loadScenario('enc16').tcp[0]!);
    assert.throws(() => readStreamMessage(enc, {}), DecodeError);
    assert.throws(() => readStreamMessage(enc, { keyring: keyringFor('enc32') }), DecodeError);
  });

  it('a packet encrypted with another key is rejected, or passed through as plaintext when not verifying', () => {
    const enc = bytesOf(loadScenario('enc16').udp[9]!);
    assert.throws(() => unpackPacket(enc, { keyring: keyringFor('enc32') }), DecodeError);
    const plain = bytesOf(loadScenario('nocomp').udp[17]!);
    assert.throws(() => unpackPacket(plain, { keyring: keyringFor('enc32') }), DecodeError);
    assert.equal(unpackPacket(plain, { keyring: keyringFor('enc32'), verifyIncoming: false }).messages[0]!.type, 'ping');
  });
});

function plainOf(m: StreamMessage): Uint8Array {
  switch (m.type) {
    case 'pushPull':
      return encodePushPull(m.join, m.nodes, m.userState);
    case 'ping':
    case 'ack':
    case 'err':
      return encodeMessage(m);
    case 'user':
      throw new Error('no user streams were captured');
  }
}
