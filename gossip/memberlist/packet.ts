// The layers around UDP messages, in memberlist 0.2.2's order.
// Sending (rawSendMsgPacket): message or compound -> compress (only if it got smaller) -> CRC
// header (only to peers whose protocol max >= 5) -> encrypt with the primary key (no AAD).
// Receiving (ingestPacket): decrypt (trying every key) -> verify CRC if the first byte says so ->
// dispatch, where compound and compress unwrap recursively.
import { DecodeError } from '../decode-error.js';
import type { Random } from '../runtime.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { addCrc, verifyCrc } from './crc.js';
import { Keyring } from './keyring.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { CompressionAlgo, MessageType, type LeafMessage } from './messages.js';
import { decryptPayload, encryptPayload, NONCE_SIZE, type EncryptionVersion } from './security.js';

/** memberlist's default UDPBufferSize: the largest packet it sends (and reads). */
export const UDP_BUFFER_SIZE = 1400;

/** A compress message wrapping `msg` (a whole message, type byte included). */
export function compressMessage(msg: Uint8Array): Uint8Array {
  return encodeMessage({ type: 'compress', algo: CompressionAlgo.lzw, buf: lzwCompress(msg) });
}

/** Unwraps a compress message's body; DecodeError on unknown algorithm or a bad stream. */
export function decompressBody(algo: number, buf: Uint8Array, maxOutput?: number): Uint8Array {
  if (algo !== CompressionAlgo.lzw) throw new DecodeError(`cannot decompress unknown algorithm ${algo}`, undefined, 'memberlist compress');
  return lzwDecompress(buf, maxOutput === undefined ? {} : { maxOutput });
}

export interface PackOptions {
  /** Compress when that makes the packet smaller (memberlist's EnableCompression, default on). */
  compress?: boolean;
  /** Prepend the CRC header (do it when the recipient's protocol max is >= 5). */
  crc?: boolean;
  /** Encrypt with the primary key when the keyring has one. */
  keyring?: Keyring;
  /** 1 unless speaking protocol version 1. */
  encryptionVersion?: EncryptionVersion;
  /** Source of nonces. Required when encrypting. */
  random?: Pick<Random, 'bytes'>;
}

/** Wraps one message (possibly a compound) into the bytes of a UDP packet. */
export function packPacket(msg: Uint8Array, opts: PackOptions = {}): Uint8Array {
  let out = msg;
  if (opts.compress) {
    const c = compressMessage(out);
    if (c.length < out.length) out = c;
  }
  if (opts.crc) out = addCrc(out);
  const key = opts.keyring?.primaryKey();
  if (key !== undefined) {
    if (opts.random === undefined) throw new TypeError('packPacket: encryption needs a random source');
    out = encryptPayload(opts.encryptionVersion ?? 1, key, out, opts.random.bytes(NONCE_SIZE));
  }
  return out;
}

export interface UnpackOptions {
  /** When it holds keys, packets are decrypted. */
  keyring?: Keyring;
  /**
   * memberlist's GossipVerifyIncoming (default true): an undecryptable packet is rejected. When
   * false, it is processed as plaintext instead (used while rolling encryption out).
   */
  verifyIncoming?: boolean;
  /** How deep compound/compress may nest. Default 4 (Go has no limit; nobody nests deeper). */
  maxDepth?: number;
}

export interface UnpackedPacket {
  /** Every leaf message, in packet order. */
  messages: LeafMessage[];
  /** Parts of compound messages that failed to decode (memberlist logs and skips them). */
  errors: DecodeError[];
  /** Compound parts cut off by the end of the packet. */
  truncated: number;
  /** Whether the packet was decrypted. */
  encrypted: boolean;
  /** Whether it carried a (valid) CRC header. */
  checksummed: boolean;
}

/**
 * Undoes all layers of one received UDP packet. Throws DecodeError when the packet as a whole is
 * unusable (cannot be decrypted, bad CRC, garbage at the top level); a bad part inside a compound
 * only lands in `errors`, as memberlist handles compound parts one by one.
 */
export function unpackPacket(buf: Uint8Array, opts: UnpackOptions = {}): UnpackedPacket {
  const res: UnpackedPacket = { messages: [], errors: [], truncated: 0, encrypted: false, checksummed: false };
  let plain = buf;
  if (opts.keyring?.enabled) {
    try {
      plain = decryptPayload(opts.keyring.getKeys(), buf);
      res.encrypted = true;
    } catch (e) {
      if (opts.verifyIncoming ?? true) throw e;
    }
  }
  if (plain.length >= 5 && plain[0] === MessageType.hasCrc) {
    plain = verifyCrc(plain);
    res.checksummed = true;
  }
  handle(plain, res, 0, opts.maxDepth ?? 4);
  return res;
}

function handle(buf: Uint8Array, res: UnpackedPacket, depth: number, maxDepth: number): void {
  const msg = decodeMessage(buf);
  switch (msg.type) {
    case 'compound':
      if (depth >= maxDepth) throw new DecodeError('compound nested too deeply', 0, 'memberlist packet');
      res.truncated += msg.truncated;
      for (const part of msg.parts) {
        try {
          handle(part, res, depth + 1, maxDepth);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          res.errors.push(e);
        }
      }
      return;
    case 'compress':
      if (depth >= maxDepth) throw new DecodeError('compress nested too deeply', 0, 'memberlist packet');
      // A packet is at most 64 KiB; LZW expands at most ~4000x but nothing legitimate comes close.
      handle(decompressBody(msg.algo, msg.buf, 16 * 1024 * 1024), res, depth + 1, maxDepth);
      return;
    case 'hasCrc':
      // memberlist only checks a CRC at the top of a packet; inside, the type is unknown to it.
      throw new DecodeError('crc header inside a packet', 0, 'memberlist packet');
    default:
      res.messages.push(msg);
  }
}
