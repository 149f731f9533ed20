import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { asBytes, asStruct, decode } from '../../../gossip/msgpack-go.js';
import { defaultCoordinateConfig, newCoordinate } from '../../../gossip/serf/coordinate.js';
import { decodePingPayload, encodePingPayload } from '../../../gossip/serf/ping-payload.js';
import { hex, serfVectors } from './vectors.js';

/** Ack payloads from real agents: memberlist ack (type 2) = {Payload, SeqNo}. */
function ackPayloads(): Uint8Array[] {
  return serfVectors()
    .filter((v) => v.carrier === 'memberlist-2')
    .map((v) => asBytes(asStruct(decode(Buffer.from(v.hex, 'hex').subarray(1)), 'ack').get('Payload'), 'ack payload'));
}

describe('serf ping payload (coordinates in acks)', () => {
  it('decodes every ack payload captured from real agents and re-encodes it byte for byte', () => {
    const payloads = ackPayloads();
    assert.ok(payloads.length > 20);
    for (const p of payloads) {
      const c = decodePingPayload(p);
      assert.equal(c.vec.length, 8);
      assert.ok(c.error > 0 && c.error <= 1.5);
      assert.ok(c.height >= 10e-6);
      assert.equal(hex(encodePingPayload(c)), hex(p));
    }
  });

  it('the first ack a fresh agent sends carries the origin coordinate', () => {
    const c = decodePingPayload(ackPayloads()[0]!);
    assert.deepEqual(c, newCoordinate(defaultCoordinateConfig()));
  });

  it('writes floats as float64 even when integral', () => {
    const b = encodePingPayload({ vec: [0, 1], error: 1, adjustment: 0, height: 2 });
    assert.equal(b[0], 1);
    assert.ok(hex(b).includes('a3566563' + '92' + 'cb0000000000000000' + 'cb3ff0000000000000'));
  });

  it('rejects other versions and garbage with DecodeError only', () => {
    assert.throws(() => decodePingPayload(Uint8Array.of(2, 0x80)), DecodeError);
    assert.throws(() => decodePingPayload(new Uint8Array(0)), DecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), (b) => {
        try {
          decodePingPayload(Uint8Array.of(1, ...b));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
