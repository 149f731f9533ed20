// Integrity for DistKV record files, in a form Python DistKV's loader still accepts
// (docs/distkv-files.md):
// - every record map gets a last key `_c`: CRC-32C over the file's record bytes so far (this
//   record's bytes up to, not including, the 4 CRC bytes, chained from the previous record's
//   CRC), always packed as uint32 (`ce` + 4 bytes) so its position is fixed. Python ignores
//   unknown keys in entry and state records.
// - a trailer record `{info: {}, _end: <records before it>, _c}` closes a segment: Python
//   processes it as an empty info message (a no-op); without it a file is truncated.
// Concatenated files (DistKV's way of combining a full dump and incremental logs) are a
// sequence of segments; each segment's CRC chain starts at 0.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli) of `bytes[start, end)`, continuing from `crc` (0 to start). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The bytes of the `_c` key and the uint32 marker that precede the 4 CRC bytes. */
export const CHECK_KEY = '_c';
export const CHECK_TAIL = Uint8Array.from([0xa2, 0x5f, 0x63, 0xce]);
/** The trailer's count key. */
export const END_KEY = '_end';

/**
 * Rewrites a packed map (`rec`, as our encoder produced it) into the same map with a `_c` entry
 * appended, sealed with the CRC chained from `prevCrc`. Returns the new bytes and CRC.
 */
export function seal(rec: Uint8Array, prevCrc: number): { bytes: Uint8Array; crc: number } {
  const b0 = rec[0]!;
  let n: number;
  let hlen: number;
  if (b0 >= 0x80 && b0 <= 0x8f) {
    n = b0 & 0x0f;
    hlen = 1;
  } else if (b0 === 0xde) {
    n = (rec[1]! << 8) | rec[2]!;
    hlen = 3;
  } else if (b0 === 0xdf) {
    n = new DataView(rec.buffer, rec.byteOffset).getUint32(1);
    hlen = 5;
  } else throw new Error('seal: a record must be a map');
  const m = n + 1;
  const head = m < 16 ? [0x80 | m] : m < 0x10000 ? [0xde, m >> 8, m & 0xff] : [0xdf, m >>> 24, (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff];
  const body = rec.length - hlen;
  const out = new Uint8Array(head.length + body + 8);
  out.set(head, 0);
  out.set(rec.subarray(hlen), head.length);
  out.set(CHECK_TAIL, head.length + body);
  const crc = crc32c(out, 0, out.length - 4, prevCrc);
  new DataView(out.buffer).setUint32(out.length - 4, crc);
  return { bytes: out, crc };
}

/**
 * If `bytes[start, end)` ends in a `_c` entry, the CRC stored there; otherwise undefined.
 * (The caller still checks that the decoded map's last key is `_c` with this value.)
 */
export function storedCrc(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (end - start < 9) return undefined;
  for (let i = 0; i < 4; i++) if (bytes[end - 8 + i] !== CHECK_TAIL[i]) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(end - 4);
}
