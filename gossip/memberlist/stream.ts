// Messages over memberlist's TCP streams (push-pull, TCP ping fallback, user messages), layered
// as memberlist 0.2.2 does it (rawSendMsgStream / readStream):
//   plain   = [type][msgpack ...][raw trailing bytes]
//   compress (EnableCompression, default on — on streams ALWAYS, even when larger)
//           = [9][msgpack compress{Algo: 0, Buf: lzw(plain)}]
//   encrypt (when a keyring is set) = [10][len u32 BE][version][nonce 12][ciphertext][tag 16]
//           with the 5 header bytes as GCM additional data; len counts what follows the header.
// Each side sends one message per stream direction; memberlist reads exactly one and then acts.
import { DecodeError } from '../decode-error.js';
import type { Random } from '../runtime.js';
import { ByteWriter, tryDecode, type GoValue } from '../msgpack-go.js';
import {
  decodeAckBody,
  decodeCompressBody,
  decodeErrBody,
  decodePingBody,
  decodePushNodeState,
  decodePushPullHeader,
  decodeUserMsgHeader,
  encodePushNodeState,
  encodePushPullHeader,
  encodeUserMsgHeader,
} from './codec.js';
import type { Keyring } from './keyring.js';
import { MessageType, type PushNodeState, type StreamMessage } from './messages.js';
import { compressMessage, decompressBody } from './packet.js';
import { decryptPayload, encryptedLength, encryptPayload, NONCE_SIZE, type EncryptionVersion } from './security.js';

/** memberlist's maxPushStateBytes: the largest encrypted stream message it accepts. */
export const MAX_PUSH_STATE_BYTES = 20 * 1024 * 1024;

/** [6][pushPullHeader][pushNodeState...][user state]: sendLocalState's plain message. */
export function encodePushPull(join: boolean, nodes: readonly PushNodeState[], userState: Uint8Array | null): Uint8Array {
  const w = new ByteWriter();
  w.u8(MessageType.pushPull);
  w.bytes(encodePushPullHeader({ nodes: nodes.length, userStateLen: userState?.length ?? 0, join }));
  for (const n of nodes) w.bytes(encodePushNodeState(n));
  if (userState !== null) w.bytes(userState);
  return w.finish();
}

/** [8][userMsgHeader{UserMsgLen}][payload]: sendUserMsg's plain message. */
export function encodeUserStream(payload: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.u8(MessageType.user);
  w.bytes(encodeUserMsgHeader(payload.length));
  w.bytes(payload);
  return w.finish();
}

export interface StreamSendOptions {
  /** EnableCompression (default on in memberlist). */
  compress?: boolean;
  /** Encrypt with its primary key when it has one. */
  keyring?: Keyring;
  encryptionVersion?: EncryptionVersion;
  random?: Pick<Random, 'bytes'>;
}

/** The bytes to write for one plain stream message (from encodePushPull, encodeMessage, ...). */
export function encodeStreamFrame(plain: Uint8Array, opts: StreamSendOptions = {}): Uint8Array {
  let buf = opts.compress ? compressMessage(plain) : plain;
  const key = opts.keyring?.primaryKey();
  if (key !== undefined) {
    if (opts.random === undefined) throw new TypeError('encodeStreamFrame: encryption needs a random source');
    const vsn = opts.encryptionVersion ?? 1;
    const header = new Uint8Array(5);
    header[0] = MessageType.encrypt;
    new DataView(header.buffer).setUint32(1, encryptedLength(vsn, buf.length));
    const body = encryptPayload(vsn, key, buf, opts.random.bytes(NONCE_SIZE), header);
    const out = new Uint8Array(5 + body.length);
    out.set(header);
    out.set(body, 5);
    buf = out;
  }
  return buf;
}

export interface StreamReadOptions {
  keyring?: Keyring;
  /** GossipVerifyIncoming (default true): with a keyring, refuse unencrypted streams. */
  verifyIncoming?: boolean;
}

export interface ReadStreamResult {
  msg: StreamMessage;
  /** Bytes of the input this message took. */
  consumed: number;
  encrypted: boolean;
  compressed: boolean;
}

/**
 * Parses the one message at the start of what a stream delivered so far. Returns null when more
 * bytes are needed; throws DecodeError for anything memberlist would refuse (including an
 * unencrypted stream when a keyring is set and verifyIncoming, or an encrypted one without keys).
 * Call again with the grown buffer when more data arrives.
 */
export function readStreamMessage(buf: Uint8Array, opts: StreamReadOptions = {}): ReadStreamResult | null {
  const what = 'memberlist stream';
  if (buf.length === 0) return null;
  const keyring = opts.keyring;
  if (buf[0] === MessageType.encrypt) {
    if (!keyring?.enabled) throw new DecodeError('remote state is encrypted and encryption is not configured', 0, what);
    if (buf.length < 5) return null;
    const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
    if (len > MAX_PUSH_STATE_BYTES) throw new DecodeError(`remote node state is larger than limit (${len})`, 1, what);
    if (buf.length < 5 + len) return null;
    const plain = decryptPayload(keyring.getKeys(), buf.subarray(5, 5 + len), buf.subarray(0, 5));
    const inner = parsePlain(plain, true);
    if (inner === null) throw new DecodeError('encrypted stream message is incomplete', 5, what);
    return { ...inner, consumed: 5 + len, encrypted: true };
  }
  if (keyring?.enabled && (opts.verifyIncoming ?? true)) {
    throw new DecodeError('encryption is configured but remote state is not encrypted', 0, what);
  }
  const res = parsePlain(buf, false);
  return res === null ? null : { ...res, encrypted: false };
}

/** Parses [type][...] possibly compressed. `complete` says no more bytes will come. */
function parsePlain(buf: Uint8Array, complete: boolean): { msg: StreamMessage; consumed: number; compressed: boolean } | null {
  const what = 'memberlist stream';
  if (buf.length === 0) {
    if (complete) throw new DecodeError('empty stream message', 0, what);
    return null;
  }
  if (buf[0] === MessageType.compress) {
    const v = tryDecode(buf, 1, { what });
    if (v === null) {
      if (complete) throw new DecodeError('truncated compress message', buf.length, what);
      return null;
    }
    const c = decodeCompressBody(v.value);
    const inner = decompressBody(c.algo, c.buf, MAX_PUSH_STATE_BYTES);
    const msg = parseMessage(inner);
    if (msg === null) throw new DecodeError('compressed stream message is incomplete', 0, what);
    return { msg: msg.msg, consumed: v.end, compressed: true };
  }
  const msg = parseMessage(buf);
  if (msg === null) {
    if (complete) throw new DecodeError('stream message is incomplete', buf.length, what);
    return null;
  }
  return { ...msg, compressed: false };
}

/** The uncompressed, unencrypted message: null if it needs more bytes. */
function parseMessage(buf: Uint8Array): { msg: StreamMessage; consumed: number } | null {
  const what = 'memberlist stream';
  if (buf.length === 0) return null;
  const t = buf[0]!;
  const value = (at: number): { value: GoValue; end: number } | null => tryDecode(buf, at, { what, keysAsStrings: true });
  switch (t) {
    case MessageType.pushPull: {
      const h = value(1);
      if (h === null) return null;
      const header = decodePushPullHeader(h.value);
      if (header.nodes > MAX_PUSH_STATE_BYTES || header.userStateLen > MAX_PUSH_STATE_BYTES) {
        throw new DecodeError('push-pull state larger than limit', 1, what);
      }
      let pos = h.end;
      const nodes: PushNodeState[] = [];
      for (let i = 0; i < header.nodes; i++) {
        const n = value(pos);
        if (n === null) return null;
        nodes.push(decodePushNodeState(n.value));
        pos = n.end;
      }
      let userState: Uint8Array | null = null;
      if (header.userStateLen > 0) {
        if (buf.length < pos + header.userStateLen) return null;
        userState = buf.slice(pos, pos + header.userStateLen);
        pos += header.userStateLen;
      }
      return { msg: { type: 'pushPull', join: header.join, nodes, userState }, consumed: pos };
    }
    case MessageType.user: {
      const h = value(1);
      if (h === null) return null;
      const len = decodeUserMsgHeader(h.value);
      if (len > MAX_PUSH_STATE_BYTES) throw new DecodeError('user message larger than limit', 1, what);
      if (buf.length < h.end + len) return null;
      return { msg: { type: 'user', payload: buf.slice(h.end, h.end + len) }, consumed: h.end + len };
    }
    case MessageType.ping: {
      const v = value(1);
      return v === null ? null : { msg: decodePingBody(v.value), consumed: v.end };
    }
    case MessageType.ack: {
      const v = value(1);
      return v === null ? null : { msg: decodeAckBody(v.value), consumed: v.end };
    }
    case MessageType.err: {
      const v = value(1);
      return v === null ? null : { msg: decodeErrBody(v.value), consumed: v.end };
    }
    default:
      throw new DecodeError(`unexpected stream message type ${t}`, 0, what);
  }
}


