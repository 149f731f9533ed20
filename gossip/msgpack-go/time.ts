import { DecodeError } from '../decode-error.js';

// time.Time, as go-msgpack writes it via MarshalBinary (Go >= 1.9 layout, version 1):
// [1][seconds since 0001-01-01 UTC: int64 BE][nanoseconds: int32 BE][zone offset minutes: int16 BE,
// -1 = UTC]. The zero time.Time is seconds = 0, nanos = 0.

/** Seconds from 0001-01-01 to 1970-01-01. */
const UNIX_TO_INTERNAL = 62135596800n;

export interface GoTime {
  /** Seconds since the Unix epoch. */
  unixSeconds: bigint;
  nanos: number;
  /** Zone offset in minutes east of UTC; null means UTC (-1 on the wire). */
  offsetMinutes: number | null;
}

export function goTimeToBytes(t: GoTime): Uint8Array {
  const out = new Uint8Array(15);
  const dv = new DataView(out.buffer);
  out[0] = 1;
  dv.setBigInt64(1, t.unixSeconds + UNIX_TO_INTERNAL);
  dv.setInt32(9, t.nanos);
  dv.setInt16(13, t.offsetMinutes === null ? -1 : t.offsetMinutes);
  return out;
}

export function goTimeFromBytes(b: Uint8Array, what = 'time.Time'): GoTime {
  if (b.length === 0) return { unixSeconds: -UNIX_TO_INTERNAL, nanos: 0, offsetMinutes: null };
  if (b[0] !== 1 || b.length !== 15) throw new DecodeError(`${what}: unsupported MarshalBinary form`, 0, what);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const off = dv.getInt16(13);
  return { unixSeconds: dv.getBigInt64(1) - UNIX_TO_INTERNAL, nanos: dv.getInt32(9), offsetMinutes: off === -1 ? null : off };
}
