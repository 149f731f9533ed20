// What Serf puts in memberlist ack payloads: a version byte (1) and the sender's Vivaldi
// coordinate as a go-msgpack struct {Adjustment, Error, Height, Vec} (float64s, always 0xcb).
import { DecodeError, decoding } from '../decode-error.js';
import { asArray, asFloat, asStruct, decodeOne, encode, GoFloat, goStruct } from '../msgpack-go.js';
import type { Coordinate } from './coordinate.js';

export const PING_VERSION = 1;

export function encodePingPayload(c: Coordinate): Uint8Array {
  const body = encode(
    goStruct({
      Vec: c.vec.map((x) => new GoFloat(x)),
      Error: new GoFloat(c.error),
      Adjustment: new GoFloat(c.adjustment),
      Height: new GoFloat(c.height),
    }),
  );
  const out = new Uint8Array(body.length + 1);
  out[0] = PING_VERSION;
  out.set(body, 1);
  return out;
}

/** The peer's coordinate; DecodeError on an unknown version or a malformed body. */
export function decodePingPayload(buf: Uint8Array): Coordinate {
  if (buf.length === 0) throw new DecodeError('empty ping payload', 0, 'ping payload');
  if (buf[0] !== PING_VERSION) throw new DecodeError(`unsupported ping version ${buf[0]}`, 0, 'ping payload');
  return decoding('ping payload', () => {
    const s = asStruct(decodeOne(buf, 1, { what: 'ping payload' }).value, 'coordinate');
    return {
      vec: asArray(s.get('Vec'), 'coordinate Vec').map((x) => asFloat(x, 'coordinate Vec item')),
      error: asFloat(s.get('Error'), 'coordinate Error'),
      adjustment: asFloat(s.get('Adjustment'), 'coordinate Adjustment'),
      height: asFloat(s.get('Height'), 'coordinate Height'),
    };
  });
}
