// packet.ts, compound.ts, crc.ts: the layers around UDP messages, and the decoder fuzz property.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { decodeMessage, encodeMessage } from '../../../gossip/memberlist/codec.js';
import { decodeCompound, makeCompound, packMessages } from '../../../gossip/memberlist/compound.js';
import { addCrc, crc32, verifyCrc } from '../../../gossip/memberlist/crc.js';
import { Keyring } from '../../../gossip/memberlist/keyring.js';
import type { PingMsg } from '../../../gossip/memberlist/messages.js';
import { packPacket, unpackPacket, UDP_BUFFER_SIZE } from '../../../gossip/memberlist/packet.js';
import { readStreamMessage } from '../../../gossip/memberlist/stream.js';
import { bytesOf, keyringFor, loadScenario, SCENARIOS } from '../../vectors/memberlist/load.js';

const ping = (seqNo: number): PingMsg => ({ type: 'ping', seqNo, node: 'node-b', sourceAddr: Uint8Array.of(127, 0, 0, 1), sourcePort: 7946, sourceNode: 'node-a' });
const fixedRandom = { bytes: (n: number) => new Uint8Array(n).fill(7) };

describe('crc header', () => {
  it('CRC-32 IEEE check value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  });
  it('wraps, verifies and rejects corruption', () => {
    const m = encodeMessage(ping(1));
    const w = addCrc(m);
    assert.equal(w[0], 12);
    assert.deepEqual(verifyCrc(w), m);
    w[w.length - 1]! ^= 0x40;
    assert.throws(() => verifyCrc(w), DecodeError);
    assert.throws(() => unpackPacket(w), DecodeError);
  });
});

describe('compound', () => {
  it('layout [7][n][n x u16 BE][parts]', () => {
    const c = makeCompound([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    assert.deepEqual(Array.from(c), [7, 2, 0, 2, 0, 1, 1, 2, 3]);
    assert.deepEqual(decodeCompound(c.subarray(1)).parts, [Uint8Array.of(1, 2), Uint8Array.of(3)]);
  });
  it('counts truncated parts like memberlist', () => {
    const c = makeCompound([Uint8Array.of(1, 2), Uint8Array.of(3, 4, 5)]);
    const d = decodeCompound(c.subarray(1, c.length - 1));
    assert.equal(d.parts.length, 1);
    assert.equal(d.truncated, 1);
    assert.throws(() => decodeCompound(Uint8Array.of(3, 0, 1)), DecodeError);
  });
  it('packMessages never puts more than 127 parts in one compound (Go misreads 128+)', () => {
    const packets = packMessages(Array.from({ length: 300 }, () => Uint8Array.of(8)), 100_000);
    assert.deepEqual(packets.map((p) => p[1]), [127, 127, 46]);
  });

  it('packMessages keeps every packet within the limit and the order intact', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 60 }), fc.integer({ min: 405, max: 1400 }), (sizes, limit) => {
        const msgs = sizes.map((n, i) => new Uint8Array(n).fill(i & 0xff));
        const packets = packMessages(msgs, limit);
        const back: Uint8Array[] = [];
        for (const p of packets) {
          assert.ok(p.length <= limit, `${p.length} > ${limit}`);
          if (p[0] === 7 && p.length > 1 && p.length === 2 + p[1]! * 2 + sumLens(p)) back.push(...decodeCompound(p.subarray(1)).parts);
          else back.push(p);
        }
        assert.deepEqual(back, msgs);
      }),
      { numRuns: 200 },
    );
  });
});

function sumLens(p: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < p[1]!; i++) s += (p[2 + 2 * i]! << 8) | p[3 + 2 * i]!;
  return s;
}

describe('packPacket / unpackPacket', () => {
  it('compresses only when smaller, then crc, then encryption; unpack undoes all', () => {
    const keyring = new Keyring(new Uint8Array(16).fill(1));
    const msgs = Array.from({ length: 15 }, (_, i) => encodeMessage(ping(i)));
    const [compound] = packMessages(msgs, UDP_BUFFER_SIZE);
    const packed = packPacket(compound!, { compress: true, crc: true, keyring, random: fixedRandom });
    assert.ok(packed.length < compound!.length, 'compression paid off');
    const u = unpackPacket(packed, { keyring });
    assert.ok(u.encrypted && u.checksummed);
    assert.deepEqual(u.messages.map((m) => (m as PingMsg).seqNo), msgs.map((_, i) => i));
    // a tiny message is not compressed (it would grow)
    const small = encodeMessage({ type: 'nack', seqNo: 1 });
    assert.deepEqual(packPacket(small, { compress: true }), small);
  });
  it('a bad compound part is reported, the others still delivered', () => {
    const c = makeCompound([encodeMessage(ping(1)), Uint8Array.of(0, 0xc1), encodeMessage(ping(2))]);
    const u = unpackPacket(c);
    assert.equal(u.messages.length, 2);
    assert.equal(u.errors.length, 1);
  });
  it('unknown types and empty input are DecodeErrors', () => {
    assert.throws(() => unpackPacket(new Uint8Array(0)), DecodeError);
    assert.throws(() => unpackPacket(Uint8Array.of(99)), DecodeError);
    assert.throws(() => decodeMessage(Uint8Array.of(0)), DecodeError);
  });
});

describe('decoder fuzz: only DecodeError, ever', () => {
  const all: { bytes: Uint8Array; keyring: Keyring | undefined; stream: boolean }[] = [];
  for (const s of SCENARIOS) {
    const sc = loadScenario(s);
    for (const c of sc.udp) all.push({ bytes: bytesOf(c), keyring: keyringFor(s), stream: false });
    for (const c of sc.tcp) all.push({ bytes: bytesOf(c), keyring: keyringFor(s), stream: true });
  }
  const onlyDecodeError = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  };
  const decodeAll = (b: Uint8Array, keyring: Keyring | undefined): void => {
    onlyDecodeError(() => unpackPacket(b));
    onlyDecodeError(() => unpackPacket(b, { keyring }));
    onlyDecodeError(() => unpackPacket(b, { keyring, verifyIncoming: false }));
    onlyDecodeError(() => decodeMessage(b));
    onlyDecodeError(() => readStreamMessage(b));
    onlyDecodeError(() => readStreamMessage(b, { keyring }));
  };

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => decodeAll(b, undefined)),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind each valid type byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 13 }), fc.uint8Array({ maxLength: 200 }), (t, b) => decodeAll(Uint8Array.of(t, ...b), undefined)),
      { numRuns: 3000 },
    );
  });

  it('mutated captured packets and streams (flips, inserts, deletes, truncation)', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (idx, muts) => {
        const v = all[idx]!;
        let b = Array.from(v.bytes);
        for (const m of muts) {
          const at = b.length === 0 ? 0 : m.at % b.length;
          if (m.kind === 'flip' && b.length) b[at]! ^= 1 << m.bit;
          else if (m.kind === 'set' && b.length) b[at] = m.v;
          else if (m.kind === 'insert') b.splice(at, 0, m.v);
          else if (m.kind === 'delete') b.splice(at, 1);
          else if (m.kind === 'truncate') b = b.slice(0, at);
        }
        decodeAll(Uint8Array.from(b), v.keyring);
      }),
      { numRuns: 3000 },
    );
  });
});
