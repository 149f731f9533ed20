// Encoding and decoding of single memberlist messages: [type byte][msgpack body] (user: raw body).
// Bodies are Go structs as go-msgpack writes them (see msgpack-go.ts): maps with byte-sorted field
// names, omitempty fields left out, []byte as raw. Decoding is lenient like Go's (missing fields are
// zero, unknown fields ignored) and throws only DecodeError.
import { DecodeError } from '../decode-error.js';
import {
  asBool,
  asBytes,
  asBytesOrNull,
  asInt,
  asString,
  asStruct,
  asUint,
  decodeOne,
  encode,
  encodeInto,
  goStruct,
  goStructSorted,
  type GoValue,
  withWriter,
} from '../msgpack-go.js';
import {
  MessageType,
  type AckMsg,
  type AliveMsg,
  type CompressMsg,
  type DeadMsg,
  type ErrMsg,
  type IndirectPingMsg,
  type NackMsg,
  type PacketMessage,
  type PingMsg,
  type PushNodeState,
  type PushPullHeader,
  type SuspectMsg,
} from './messages.js';
import { decodeCompound } from './compound.js';
import { decodeCrc } from './crc.js';

/** Messages that have a msgpack body and can be encoded by encodeMessage. */
export type EncodableMessage =
  | PingMsg
  | IndirectPingMsg
  | AckMsg
  | NackMsg
  | ErrMsg
  | SuspectMsg
  | AliveMsg
  | DeadMsg
  | CompressMsg
  | { readonly type: 'user'; readonly payload: Uint8Array };

// Go's omitempty: zero values are left out of the map.
function omitBytes(b: Uint8Array | undefined): Uint8Array | undefined {
  return b !== undefined && b.length > 0 ? b : undefined;
}
function omitNum(n: number | undefined): number | undefined {
  return n !== undefined && n !== 0 ? n : undefined;
}
function omitStr(s: string | undefined): string | undefined {
  return s !== undefined && s !== '' ? s : undefined;
}

/**
 * The msgpack body (a GoValue) of a message, before encoding. Fields are listed in go-msgpack's
 * byte-sorted order (the vector tests prove the bytes match what Go writes).
 */
export function messageBody(msg: EncodableMessage): GoValue {
  switch (msg.type) {
    case 'ping':
      return goStructSorted([
        ['Node', msg.node],
        ['SeqNo', msg.seqNo],
        ['SourceAddr', omitBytes(msg.sourceAddr)],
        ['SourceNode', omitStr(msg.sourceNode)],
        ['SourcePort', omitNum(msg.sourcePort)],
      ]);
    case 'indirectPing':
      return goStructSorted([
        ['Nack', msg.nack],
        ['Node', msg.node],
        ['Port', msg.port],
        ['SeqNo', msg.seqNo],
        ['SourceAddr', omitBytes(msg.sourceAddr)],
        ['SourceNode', omitStr(msg.sourceNode)],
        ['SourcePort', omitNum(msg.sourcePort)],
        ['Target', msg.target],
      ]);
    case 'ack':
      return goStructSorted([
        ['Payload', msg.payload],
        ['SeqNo', msg.seqNo],
      ]);
    case 'nack':
      return goStructSorted([['SeqNo', msg.seqNo]]);
    case 'err':
      return goStructSorted([['Error', msg.error]]);
    case 'suspect':
    case 'dead':
      return goStructSorted([
        ['From', msg.from],
        ['Incarnation', msg.incarnation],
        ['Node', msg.node],
      ]);
    case 'alive':
      return goStructSorted([
        ['Addr', msg.addr],
        ['Incarnation', msg.incarnation],
        ['Meta', msg.meta],
        ['Node', msg.node],
        ['Port', msg.port],
        ['Vsn', Uint8Array.from(msg.vsn)],
      ]);
    case 'compress':
      return goStructSorted([
        ['Algo', msg.algo],
        ['Buf', msg.buf],
      ]);
    case 'user':
      throw new TypeError('user messages have no msgpack body');
  }
}

/** [type byte][body]: what memberlist's encode(msgType, msg) produces. */
export function encodeMessage(msg: EncodableMessage): Uint8Array {
  return withWriter((w) => {
    w.u8(MessageType[msg.type]);
    if (msg.type === 'user') w.bytes(msg.payload);
    else encodeInto(w, messageBody(msg));
  });
}

export function encodePushPullHeader(h: PushPullHeader): Uint8Array {
  return encode(goStruct({ Nodes: h.nodes, UserStateLen: h.userStateLen, Join: h.join }));
}

export function encodePushNodeState(n: PushNodeState): Uint8Array {
  return encode(
    goStruct({
      Name: n.name,
      Addr: n.addr,
      Port: n.port,
      Meta: n.meta,
      Incarnation: n.incarnation,
      State: n.state,
      Vsn: Uint8Array.from(n.vsn),
    }),
  );
}

export function encodeUserMsgHeader(len: number): Uint8Array {
  return encode(goStruct({ UserMsgLen: len }));
}

// ---------------------------------------------------------------------------------------------
// Decoding bodies

/** Vsn []uint8: a raw byte string (as Go writes it) or, leniently, an array of small ints. */
function asVsn(v: GoValue | undefined, what: string): number[] {
  if (Array.isArray(v)) return v.map((x, i) => asUint(x, 8, `${what}[${i}]`));
  return Array.from(asBytes(v, what));
}

function optBytes(v: GoValue | undefined, what: string): Uint8Array | undefined {
  const b = asBytesOrNull(v, what);
  return b !== null && b.length > 0 ? b : undefined;
}

export function decodePingBody(body: GoValue): PingMsg {
  const f = asStruct(body, 'ping');
  const m: { -readonly [K in keyof PingMsg]: PingMsg[K] } = {
    type: 'ping',
    seqNo: asUint(f.get('SeqNo'), 32, 'ping.SeqNo'),
    node: asString(f.get('Node'), 'ping.Node'),
  };
  addSource(m, f, 'ping');
  return m;
}

// Source* are omitempty: we leave them off the object when zero, so re-encoding omits them too.
function addSource(m: { sourceAddr?: Uint8Array; sourcePort?: number; sourceNode?: string }, f: Map<string, GoValue>, what: string): void {
  const sourceAddr = optBytes(f.get('SourceAddr'), `${what}.SourceAddr`);
  const sourcePort = asUint(f.get('SourcePort'), 16, `${what}.SourcePort`);
  const sourceNode = asString(f.get('SourceNode'), `${what}.SourceNode`);
  if (sourceAddr !== undefined) m.sourceAddr = sourceAddr;
  if (sourcePort !== 0) m.sourcePort = sourcePort;
  if (sourceNode !== '') m.sourceNode = sourceNode;
}

export function decodeIndirectPingBody(body: GoValue): IndirectPingMsg {
  const f = asStruct(body, 'indirectPing');
  const m: { -readonly [K in keyof IndirectPingMsg]: IndirectPingMsg[K] } = {
    type: 'indirectPing',
    seqNo: asUint(f.get('SeqNo'), 32, 'indirectPing.SeqNo'),
    target: asBytes(f.get('Target'), 'indirectPing.Target'),
    port: asUint(f.get('Port'), 16, 'indirectPing.Port'),
    node: asString(f.get('Node'), 'indirectPing.Node'),
    nack: asBool(f.get('Nack'), 'indirectPing.Nack'),
  };
  addSource(m, f, 'indirectPing');
  return m;
}

export function decodeAckBody(body: GoValue): AckMsg {
  const f = asStruct(body, 'ack');
  return { type: 'ack', seqNo: asUint(f.get('SeqNo'), 32, 'ack.SeqNo'), payload: asBytesOrNull(f.get('Payload'), 'ack.Payload') };
}

export function decodeAliveBody(body: GoValue): AliveMsg {
  const f = asStruct(body, 'alive');
  return {
    type: 'alive',
    incarnation: asUint(f.get('Incarnation'), 32, 'alive.Incarnation'),
    node: asString(f.get('Node'), 'alive.Node'),
    addr: asBytes(f.get('Addr'), 'alive.Addr'),
    port: asUint(f.get('Port'), 16, 'alive.Port'),
    meta: asBytesOrNull(f.get('Meta'), 'alive.Meta'),
    vsn: asVsn(f.get('Vsn'), 'alive.Vsn'),
  };
}

function decodeSuspectOrDead<T extends 'suspect' | 'dead'>(type: T, body: GoValue): { type: T; incarnation: number; node: string; from: string } {
  const f = asStruct(body, type);
  return {
    type,
    incarnation: asUint(f.get('Incarnation'), 32, `${type}.Incarnation`),
    node: asString(f.get('Node'), `${type}.Node`),
    from: asString(f.get('From'), `${type}.From`),
  };
}

export function decodeCompressBody(body: GoValue): CompressMsg {
  const f = asStruct(body, 'compress');
  return { type: 'compress', algo: asUint(f.get('Algo'), 8, 'compress.Algo'), buf: asBytes(f.get('Buf'), 'compress.Buf') };
}

export function decodeErrBody(body: GoValue): ErrMsg {
  return { type: 'err', error: asString(asStruct(body, 'err').get('Error'), 'err.Error') };
}

export function decodePushPullHeader(body: GoValue): PushPullHeader {
  const f = asStruct(body, 'pushPullHeader');
  const nodes = asInt(f.get('Nodes'), 53, 'pushPullHeader.Nodes');
  const userStateLen = asInt(f.get('UserStateLen'), 53, 'pushPullHeader.UserStateLen');
  if (nodes < 0 || userStateLen < 0) throw new DecodeError('negative push-pull count', undefined, 'pushPullHeader');
  return { nodes, userStateLen, join: asBool(f.get('Join'), 'pushPullHeader.Join') };
}

export function decodePushNodeState(body: GoValue): PushNodeState {
  const f = asStruct(body, 'pushNodeState');
  return {
    name: asString(f.get('Name'), 'pushNodeState.Name'),
    addr: asBytes(f.get('Addr'), 'pushNodeState.Addr'),
    port: asUint(f.get('Port'), 16, 'pushNodeState.Port'),
    meta: asBytesOrNull(f.get('Meta'), 'pushNodeState.Meta'),
    incarnation: asUint(f.get('Incarnation'), 32, 'pushNodeState.Incarnation'),
    state: asInt(f.get('State'), 32, 'pushNodeState.State'),
    vsn: asVsn(f.get('Vsn'), 'pushNodeState.Vsn'),
  };
}

export function decodeUserMsgHeader(body: GoValue): number {
  const n = asInt(asStruct(body, 'userMsgHeader').get('UserMsgLen'), 53, 'userMsgHeader.UserMsgLen');
  if (n < 0) throw new DecodeError('negative user message length', undefined, 'userMsgHeader');
  return n;
}

/**
 * Decodes one message: type byte + body. Wrappers (compound, crc, compress) are returned as such,
 * not unwrapped (see unpackPacket in packet.ts). Like Go's decoder we read the first msgpack value
 * of the body and ignore any bytes after it.
 */
export function decodeMessage(buf: Uint8Array): PacketMessage {
  try {
    return decodeMessageUnchecked(buf);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`bad memberlist message: ${e instanceof Error ? e.message : String(e)}`, undefined, 'memberlist message');
  }
}

function decodeMessageUnchecked(buf: Uint8Array): PacketMessage {
  if (buf.length === 0) throw new DecodeError('empty message', 0, 'memberlist message');
  const t = buf[0]!;
  const rest = buf.subarray(1);
  const body = (): GoValue => decodeBodyPrefix(rest);
  switch (t) {
    case MessageType.ping:
      return decodePingBody(body());
    case MessageType.indirectPing:
      return decodeIndirectPingBody(body());
    case MessageType.ack:
      return decodeAckBody(body());
    case MessageType.nack:
      return { type: 'nack', seqNo: asUint(asStruct(body(), 'nack').get('SeqNo'), 32, 'nack.SeqNo') } satisfies NackMsg;
    case MessageType.err:
      return decodeErrBody(body());
    case MessageType.suspect:
      return decodeSuspectOrDead('suspect', body()) satisfies SuspectMsg;
    case MessageType.dead:
      return decodeSuspectOrDead('dead', body()) satisfies DeadMsg;
    case MessageType.alive:
      return decodeAliveBody(body());
    case MessageType.user:
      return { type: 'user', payload: rest.slice() };
    case MessageType.compress:
      return decodeCompressBody(body());
    case MessageType.compound:
      return decodeCompound(rest);
    case MessageType.hasCrc:
      return decodeCrc(buf);
    default:
      throw new DecodeError(`unknown memberlist message type ${t}`, 0, 'memberlist message');
  }
}

/** Decodes the msgpack value at the start of `buf`, ignoring what follows (as Go's decoder does). */
function decodeBodyPrefix(buf: Uint8Array): GoValue {
  if (buf.length === 0) throw new DecodeError('missing message body', 1, 'memberlist message');
  return decodeOne(buf, 0, { what: 'memberlist message', keysAsStrings: true }).value;
}
