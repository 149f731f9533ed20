// The checksum wrapper memberlist >= 0.2 adds to packets for peers whose protocol max is >= 5:
// [12][CRC-32 (IEEE) of the inner message, u32 big-endian][inner message].
import { DecodeError } from '../decode-error.js';
import { MessageType, type CrcMsg } from './messages.js';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 with the IEEE polynomial (Go's crc32.ChecksumIEEE, zlib's crc32). */
export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const CRC_HEADER_SIZE = 5;

export function addCrc(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(CRC_HEADER_SIZE + msg.length);
  out[0] = MessageType.hasCrc;
  new DataView(out.buffer).setUint32(1, crc32(msg));
  out.set(msg, CRC_HEADER_SIZE);
  return out;
}

/** Parses a whole hasCrc message (type byte included) without verifying it. */
export function decodeCrc(buf: Uint8Array): CrcMsg {
  if (buf.length < CRC_HEADER_SIZE || buf[0] !== MessageType.hasCrc) {
    throw new DecodeError('truncated crc header', 0, 'memberlist crc');
  }
  const crc = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
  return { type: 'hasCrc', crc, inner: buf.slice(CRC_HEADER_SIZE) };
}

/** The inner message if the checksum matches; DecodeError otherwise. */
export function verifyCrc(buf: Uint8Array): Uint8Array {
  const m = decodeCrc(buf);
  const actual = crc32(m.inner);
  if (actual !== m.crc) {
    throw new DecodeError(`crc mismatch: got ${actual.toString(16)}, header says ${m.crc.toString(16)}`, 1, 'memberlist crc');
  }
  return m.inner;
}
