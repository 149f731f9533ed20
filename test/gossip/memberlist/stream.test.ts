import { strict as assert } from 'node:assert';
import { DecodeError } from '../../../gossip/decode-error.js';
import { encodeMessage } from '../../../gossip/memberlist/codec.js';
import { Keyring } from '../../../gossip/memberlist/keyring.js';
import type { PushNodeState } from '../../../gossip/memberlist/messages.js';
import { encodePushPull, encodeStreamFrame, encodeUserStream, readStreamMessage } from '../../../gossip/memberlist/stream.js';

const random = { bytes: (n: number) => new Uint8Array(n).fill(3) };
const node = (name: string, port: number): PushNodeState => ({
  name,
  addr: Uint8Array.of(127, 0, 0, 1),
  port,
  meta: Uint8Array.of(0xff, 0x80),
  incarnation: 3,
  state: 0,
  vsn: [1, 5, 2, 2, 5, 5],
});

describe('memberlist streams', () => {
  const variants = [
    { name: 'plain', send: {}, recv: {} },
    { name: 'compressed', send: { compress: true }, recv: {} },
    { name: 'encrypted+compressed', send: { compress: true, keyring: new Keyring(new Uint8Array(32).fill(5)), random }, recv: { keyring: new Keyring(new Uint8Array(32).fill(5)) } },
  ];
  for (const v of variants) {
    it(`${v.name}: push-pull, user, ping, ack, err round-trip, also fed byte by byte`, () => {
      const msgs = [
        encodePushPull(false, [node('a', 1), node('b', 2)], Uint8Array.of(9, 9, 9)),
        encodePushPull(true, [], null),
        encodeUserStream(new TextEncoder().encode('user payload')),
        encodeMessage({ type: 'ping', seqNo: 77, node: 'x' }),
        encodeMessage({ type: 'ack', seqNo: 77, payload: null }),
        encodeMessage({ type: 'err', error: 'nope' }),
      ];
      const expected = [
        { type: 'pushPull', join: false, nodes: [node('a', 1), node('b', 2)], userState: Uint8Array.of(9, 9, 9) },
        { type: 'pushPull', join: true, nodes: [], userState: null },
        { type: 'user', payload: new TextEncoder().encode('user payload') },
        { type: 'ping', seqNo: 77, node: 'x' },
        { type: 'ack', seqNo: 77, payload: null },
        { type: 'err', error: 'nope' },
      ];
      msgs.forEach((plain, i) => {
        const frame = encodeStreamFrame(plain, v.send);
        for (let n = 0; n < frame.length; n++) assert.equal(readStreamMessage(frame.subarray(0, n), v.recv), null, `prefix ${n}`);
        const withTrailer = Uint8Array.of(...frame, 1, 2, 3);
        const r = readStreamMessage(withTrailer, v.recv)!;
        assert.equal(r.consumed, frame.length);
        assert.deepEqual(r.msg, expected[i]);
      });
    });
  }

  it('refuses oversized encrypted frames and unexpected types', () => {
    const keyring = new Keyring(new Uint8Array(16).fill(1));
    assert.throws(() => readStreamMessage(Uint8Array.of(10, 0x02, 0, 0, 0), { keyring }), DecodeError);
    assert.throws(() => readStreamMessage(Uint8Array.of(4, 0x80)), DecodeError);
    assert.throws(() => readStreamMessage(Uint8Array.of(9, 0x82, 0xa4, 0x41, 0x6c, 0x67, 0x6f, 1, 0xa3, 0x42, 0x75, 0x66, 0xa0)), DecodeError);
  });
});
