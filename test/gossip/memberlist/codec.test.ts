import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import {
  decodeMessage,
  decodePushNodeState,
  decodePushPullHeader,
  encodeMessage,
  encodePushNodeState,
  encodePushPullHeader,
  type EncodableMessage,
} from '../../../gossip/memberlist/codec.js';
import { decode } from '../../../gossip/msgpack-go.js';

const u32 = fc.nat({ max: 0xffffffff });
const u16 = fc.nat({ max: 0xffff });
const name = fc.string({ maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 40 });
const ip = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }));
const vsn = fc.array(fc.nat({ max: 255 }), { minLength: 6, maxLength: 6 });
// omitempty fields: absent, never present-but-zero (that is what Go's decoder would hand back)
const source = fc.record(
  { sourceAddr: fc.uint8Array({ minLength: 1, maxLength: 16 }), sourcePort: fc.integer({ min: 1, max: 0xffff }), sourceNode: fc.string({ minLength: 1, maxLength: 20 }) },
  { requiredKeys: [] },
);

const message: fc.Arbitrary<EncodableMessage> = fc.oneof(
  fc.tuple(fc.record({ type: fc.constant('ping' as const), seqNo: u32, node: name }), source).map(([a, b]) => ({ ...a, ...b })),
  fc
    .tuple(fc.record({ type: fc.constant('indirectPing' as const), seqNo: u32, target: ip, port: u16, node: name, nack: fc.boolean() }), source)
    .map(([a, b]) => ({ ...a, ...b })),
  fc.record({ type: fc.constant('ack' as const), seqNo: u32, payload: fc.option(bytes, { nil: null }) }),
  fc.record({ type: fc.constant('nack' as const), seqNo: u32 }),
  fc.record({ type: fc.constant('err' as const), error: name }),
  fc.record({ type: fc.constant('suspect' as const), incarnation: u32, node: name, from: name }),
  fc.record({ type: fc.constant('dead' as const), incarnation: u32, node: name, from: name }),
  fc.record({ type: fc.constant('alive' as const), incarnation: u32, node: name, addr: ip, port: u16, meta: fc.option(bytes, { nil: null }), vsn }),
  fc.record({ type: fc.constant('user' as const), payload: bytes }),
  fc.record({ type: fc.constant('compress' as const), algo: fc.constant(0), buf: bytes }),
);

describe('memberlist message codec', () => {
  it('property: decode(encode(m)) = m and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const b = encodeMessage(m);
        const d = decodeMessage(b);
        assert.deepEqual(d, { ...m });
        assert.deepEqual(encodeMessage(d as EncodableMessage), b);
      }),
      { numRuns: 1000 },
    );
  });

  it('push-pull header and node states round-trip', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100000 }), fc.nat({ max: 1 << 24 }), fc.boolean(), (nodes, userStateLen, join) => {
        const h = { nodes, userStateLen, join };
        assert.deepEqual(decodePushPullHeader(decode(encodePushPullHeader(h))), h);
      }),
    );
    fc.assert(
      fc.property(fc.record({ name, addr: ip, port: u16, meta: fc.option(bytes, { nil: null }), incarnation: u32, state: fc.integer({ min: 0, max: 3 }), vsn }), (n) => {
        assert.deepEqual(decodePushNodeState(decode(encodePushNodeState(n))), { ...n });
      }),
    );
  });

  it('exact Go bytes for a ping (field order Node, SeqNo, SourceAddr, SourceNode, SourcePort)', () => {
    const b = encodeMessage({ type: 'ping', seqNo: 300, node: 'b', sourceAddr: Uint8Array.of(127, 0, 0, 1), sourcePort: 7946, sourceNode: 'a' });
    assert.equal(
      Buffer.from(b).toString('hex'),
      '00' + '85' + 'a44e6f6465a162' + 'a55365714e6fcd012c' + 'aa536f7572636541646472a47f000001' + 'aa536f757263654e6f6465a161' + 'aa536f75726365506f7274cd1f0a',
    );
  });

  it('lenient like Go: unknown fields skipped, missing fields zero, trailing bytes ignored, new-spec str8 accepted', () => {
    // {"SeqNo": 5, "Extra": [1], "Node": str8 "x"} + trailing garbage
    const b = Uint8Array.from([0, 0x83, 0xa5, ...Buffer.from('SeqNo'), 5, 0xa5, ...Buffer.from('Extra'), 0x91, 1, 0xa4, ...Buffer.from('Node'), 0xd9, 1, 0x78, 0xff, 0xff]);
    assert.deepEqual(decodeMessage(b), { type: 'ping', seqNo: 5, node: 'x' });
    assert.deepEqual(decodeMessage(Uint8Array.of(11, 0x80)), { type: 'nack', seqNo: 0 });
  });

  it('type errors in fields are DecodeErrors', () => {
    const bad = [
      Uint8Array.of(0, 0x81, 0xa5, ...Buffer.from('SeqNo'), 0xa1, 0x78), // SeqNo as string
      Uint8Array.of(0, 0x81, 0xa5, ...Buffer.from('SeqNo'), 0xff), // negative SeqNo
      Uint8Array.of(4, 0x81, 0xa4, ...Buffer.from('Port'), 0xce, 0, 1, 0, 0), // Port > u16
      Uint8Array.of(2, 0x91, 1), // struct as array
      Uint8Array.of(0),
      Uint8Array.of(0, 0xc1),
      Uint8Array.of(200),
    ];
    for (const b of bad) assert.throws(() => decodeMessage(b), DecodeError, Buffer.from(b).toString('hex'));
  });
});
