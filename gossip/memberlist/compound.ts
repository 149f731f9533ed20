// Compound packets: several messages in one UDP datagram.
// [7][count u8][count x length u16 BE][message bytes...]. memberlist decodes as many parts as fit
// and counts the rest as truncated; it never nests a count above 255.
import { DecodeError } from '../decode-error.js';
import { MessageType, type CompoundMsg } from './messages.js';

/** memberlist's assumed header overhead of a compound message (type + count). */
export const COMPOUND_HEADER_OVERHEAD = 2;
/** Bytes per part on top of the part itself (its u16 length). */
export const COMPOUND_PART_OVERHEAD = 2;
/** The format's limit (count is one byte). */
export const MAX_COMPOUND_PARTS = 255;
/**
 * What we put in one compound: memberlist 0.2.2 computes `numParts*2` in uint8 arithmetic, so a
 * Go receiver misreads compounds of 128 parts or more (the part data would start at the length
 * table). Never send more than 127.
 */
export const SAFE_COMPOUND_PARTS = 127;

/** Builds one compound message from at most 255 parts, each under 64 KiB. */
export function makeCompound(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length > MAX_COMPOUND_PARTS) throw new RangeError(`too many compound parts: ${parts.length}`);
  let size = COMPOUND_HEADER_OVERHEAD;
  for (const p of parts) {
    if (p.length > 0xffff) throw new RangeError(`compound part too large: ${p.length}`);
    size += COMPOUND_PART_OVERHEAD + p.length;
  }
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out[0] = MessageType.compound;
  out[1] = parts.length;
  let off = 2;
  for (const p of parts) {
    dv.setUint16(off, p.length);
    off += 2;
  }
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Parses the body of a compound message (after the type byte), as memberlist does. */
export function decodeCompound(body: Uint8Array): CompoundMsg {
  if (body.length < 1) throw new DecodeError('missing compound length byte', 1, 'memberlist compound');
  const n = body[0]!;
  if (body.length < 1 + 2 * n) throw new DecodeError('truncated compound length table', 1, 'memberlist compound');
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let off = 1 + 2 * n;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = dv.getUint16(1 + 2 * i);
    if (off + len > body.length) return { type: 'compound', parts, truncated: n - i };
    parts.push(body.slice(off, off + len));
    off += len;
  }
  return { type: 'compound', parts, truncated: 0 };
}

/**
 * Packs messages into as few packets as possible, in order, each at most `limit` bytes: a lone
 * message goes as itself, two or more as a compound. A message that alone exceeds `limit` still
 * gets its own packet (the caller decides whether to send it). The Go side fills a packet with
 * broadcasts up to UDPBufferSize (1400) minus the overheads; pass the budget left after
 * encryption/crc overheads as `limit`.
 */
export function packMessages(msgs: readonly Uint8Array[], limit: number): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let batchSize = COMPOUND_HEADER_OVERHEAD;
  const flush = (): void => {
    if (batch.length === 1) packets.push(batch[0]!);
    else if (batch.length > 1) packets.push(makeCompound(batch));
    batch = [];
    batchSize = COMPOUND_HEADER_OVERHEAD;
  };
  for (const m of msgs) {
    const cost = COMPOUND_PART_OVERHEAD + m.length;
    if (batch.length > 0 && (batchSize + cost > limit || batch.length === SAFE_COMPOUND_PARTS)) flush();
    batch.push(m);
    batchSize += cost;
  }
  flush();
  return packets;
}
