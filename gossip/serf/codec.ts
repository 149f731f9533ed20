// Serf message codec: one type byte, then the message as go-msgpack writes a Go struct (old-spec
// raw strings, field names sorted by byte order, nil slices as 0xc0). Go's decoder reads one
// value and ignores what follows, and so do we; garbage is a DecodeError, never anything else.
import { DecodeError, decoding } from '../decode-error.js';
import {
  asArray,
  asBool,
  asBytesOrNull,
  asInt,
  asMap,
  asString,
  asStruct,
  asUint,
  decodeOne,
  encode,
  encodeInto,
  type GoValue,
  goStruct,
  goStructSorted,
  GoMap,
  withWriter,
} from '../msgpack-go.js';
import type { LTime } from './lamport.js';
import {
  type JoinMessage,
  type KeyRequestMessage,
  type KeyResponseMessage,
  type LeaveMessage,
  MessageType,
  type PushPullMessage,
  type QueryMessage,
  type QueryResponseMessage,
  type RelayHeader,
  type SerfMessage,
  type UdpAddr,
  type UserEventMessage,
  type UserEventsAt,
  type WireMember,
} from './messages.js';

const MAX_TYPE = MessageType.Relay;

// ----------------------------------------------------------------------------- field helpers

export function asLTime(v: GoValue | undefined, what: string): LTime {
  return asUint(v, 53, what);
}

function bytesOrNil(b: Uint8Array | null): GoValue {
  return b;
}

function stringMap(v: GoValue | undefined, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, x] of asMap(v, what).entries) out.set(asString(k, `${what} key`), asString(x, `${what} value`));
  return out;
}

/** A Go map[string]string, keys sorted so our output is deterministic (Go's order is random). */
export function encodeStringMap(m: Map<string, string>): GoMap {
  return new GoMap([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ----------------------------------------------------------------------------- struct forms

function joinValue(m: JoinMessage): GoValue {
  return goStruct({ LTime: m.ltime, Node: m.node });
}

function leaveValue(m: LeaveMessage): GoValue {
  return goStruct({ LTime: m.ltime, Node: m.node, Prune: m.prune });
}

function userEventValue(m: UserEventMessage): GoValue {
  // One per replicated write: the fields listed in go-msgpack's byte order, no sort.
  return goStructSorted([
    ['CC', m.cc],
    ['LTime', m.ltime],
    ['Name', m.name],
    ['Payload', bytesOrNil(m.payload)],
  ]);
}

function userEventsAtValue(e: UserEventsAt | null): GoValue {
  if (e === null) return null;
  return goStruct({
    LTime: e.ltime,
    Events: e.events.map((x) => goStruct({ Name: x.name, Payload: bytesOrNil(x.payload) })),
  });
}

function pushPullValue(m: PushPullMessage): GoValue {
  return goStruct({
    LTime: m.ltime,
    StatusLTimes: new GoMap(m.statusLTimes.map(([k, v]) => [k, v])),
    LeftMembers: m.leftMembers,
    EventLTime: m.eventLTime,
    Events: m.events.map(userEventsAtValue),
    QueryLTime: m.queryLTime,
  });
}

function queryValue(m: QueryMessage): GoValue {
  return goStruct({
    LTime: m.ltime,
    ID: m.id,
    Addr: bytesOrNil(m.addr),
    Port: m.port,
    SourceNode: m.sourceNode,
    Filters: m.filters,
    Flags: m.flags,
    RelayFactor: m.relayFactor,
    Timeout: m.timeout,
    Name: m.name,
    Payload: bytesOrNil(m.payload),
  });
}

function queryResponseValue(m: QueryResponseMessage): GoValue {
  return goStruct({ LTime: m.ltime, ID: m.id, From: m.from, Flags: m.flags, Payload: bytesOrNil(m.payload) });
}

function memberValue(m: WireMember | null): GoValue {
  if (m === null) return null;
  return goStruct({
    Name: m.name,
    Addr: bytesOrNil(m.addr),
    Port: m.port,
    Tags: encodeStringMap(m.tags),
    Status: m.status,
    ProtocolMin: m.protocolMin,
    ProtocolMax: m.protocolMax,
    ProtocolCur: m.protocolCur,
    DelegateMin: m.delegateMin,
    DelegateMax: m.delegateMax,
    DelegateCur: m.delegateCur,
  });
}

function keyRequestValue(m: KeyRequestMessage): GoValue {
  return goStruct({ Key: bytesOrNil(m.key) });
}

function keyResponseValue(m: KeyResponseMessage): GoValue {
  return goStruct({ Result: m.result, Message: m.message, Keys: m.keys, PrimaryKey: m.primaryKey });
}

function relayHeaderValue(h: RelayHeader): GoValue {
  return goStruct({
    DestAddr: goStruct({ IP: bytesOrNil(h.destAddr.ip), Port: h.destAddr.port, Zone: h.destAddr.zone }),
    DestName: h.destName,
  });
}

// ----------------------------------------------------------------------------- decoders

function decodeJoin(v: GoValue): JoinMessage {
  const s = asStruct(v, 'serf join');
  return { ltime: asLTime(s.get('LTime'), 'join LTime'), node: asString(s.get('Node'), 'join Node') };
}

function decodeLeave(v: GoValue): LeaveMessage {
  const s = asStruct(v, 'serf leave');
  return {
    ltime: asLTime(s.get('LTime'), 'leave LTime'),
    node: asString(s.get('Node'), 'leave Node'),
    prune: asBool(s.get('Prune'), 'leave Prune'),
  };
}

function decodeUserEvent(v: GoValue): UserEventMessage {
  const s = asStruct(v, 'serf user event');
  return {
    ltime: asLTime(s.get('LTime'), 'user event LTime'),
    name: asString(s.get('Name'), 'user event Name'),
    payload: asBytesOrNull(s.get('Payload'), 'user event Payload'),
    cc: asBool(s.get('CC'), 'user event CC'),
  };
}

function decodeUserEventsAt(v: GoValue): UserEventsAt | null {
  if (v === null) return null;
  const s = asStruct(v, 'serf userEvents');
  return {
    ltime: asLTime(s.get('LTime'), 'userEvents LTime'),
    events: asArray(s.get('Events'), 'userEvents Events').map((e) => {
      const es = asStruct(e, 'serf userEvent');
      return { name: asString(es.get('Name'), 'userEvent Name'), payload: asBytesOrNull(es.get('Payload'), 'userEvent Payload') };
    }),
  };
}

function decodePushPull(v: GoValue): PushPullMessage {
  const s = asStruct(v, 'serf push-pull');
  return {
    ltime: asLTime(s.get('LTime'), 'push-pull LTime'),
    statusLTimes: asMap(s.get('StatusLTimes'), 'push-pull StatusLTimes').entries.map(([k, x]) => [
      asString(k, 'StatusLTimes key'),
      asLTime(x, 'StatusLTimes value'),
    ]),
    leftMembers: asArray(s.get('LeftMembers'), 'push-pull LeftMembers').map((x) => asString(x, 'LeftMembers item')),
    eventLTime: asLTime(s.get('EventLTime'), 'push-pull EventLTime'),
    events: asArray(s.get('Events'), 'push-pull Events').map(decodeUserEventsAt),
    queryLTime: asLTime(s.get('QueryLTime'), 'push-pull QueryLTime'),
  };
}

function decodeQuery(v: GoValue): QueryMessage {
  const s = asStruct(v, 'serf query');
  const filters = s.get('Filters');
  return {
    ltime: asLTime(s.get('LTime'), 'query LTime'),
    id: asUint(s.get('ID'), 32, 'query ID'),
    addr: asBytesOrNull(s.get('Addr'), 'query Addr'),
    port: asUint(s.get('Port'), 16, 'query Port'),
    sourceNode: asString(s.get('SourceNode'), 'query SourceNode'),
    filters: filters === undefined || filters === null ? null : asArray(filters, 'query Filters').map((f) => asBytesOrNull(f, 'query filter') ?? new Uint8Array(0)),
    flags: asUint(s.get('Flags'), 32, 'query Flags'),
    relayFactor: asUint(s.get('RelayFactor'), 8, 'query RelayFactor'),
    timeout: asInt(s.get('Timeout'), 53, 'query Timeout'),
    name: asString(s.get('Name'), 'query Name'),
    payload: asBytesOrNull(s.get('Payload'), 'query Payload'),
  };
}

function decodeQueryResponse(v: GoValue): QueryResponseMessage {
  const s = asStruct(v, 'serf query response');
  return {
    ltime: asLTime(s.get('LTime'), 'response LTime'),
    id: asUint(s.get('ID'), 32, 'response ID'),
    from: asString(s.get('From'), 'response From'),
    flags: asUint(s.get('Flags'), 32, 'response Flags'),
    payload: asBytesOrNull(s.get('Payload'), 'response Payload'),
  };
}

export function decodeWireMember(v: GoValue): WireMember | null {
  if (v === null) return null;
  const s = asStruct(v, 'serf member');
  const u8 = (k: string) => asUint(s.get(k), 8, `member ${k}`);
  return {
    name: asString(s.get('Name'), 'member Name'),
    addr: asBytesOrNull(s.get('Addr'), 'member Addr'),
    port: asUint(s.get('Port'), 16, 'member Port'),
    tags: stringMap(s.get('Tags'), 'member Tags'),
    status: asInt(s.get('Status'), 32, 'member Status'),
    protocolMin: u8('ProtocolMin'),
    protocolMax: u8('ProtocolMax'),
    protocolCur: u8('ProtocolCur'),
    delegateMin: u8('DelegateMin'),
    delegateMax: u8('DelegateMax'),
    delegateCur: u8('DelegateCur'),
  };
}

function decodeKeyRequest(v: GoValue): KeyRequestMessage {
  const s = asStruct(v, 'serf key request');
  return { key: asBytesOrNull(s.get('Key'), 'key request Key') };
}

function decodeKeyResponse(v: GoValue): KeyResponseMessage {
  const s = asStruct(v, 'serf key response');
  const keys = s.get('Keys');
  return {
    result: asBool(s.get('Result'), 'key response Result'),
    message: asString(s.get('Message'), 'key response Message'),
    keys: keys === undefined || keys === null ? null : asArray(keys, 'key response Keys').map((k) => asString(k, 'key response key')),
    primaryKey: asString(s.get('PrimaryKey'), 'key response PrimaryKey'),
  };
}

function decodeRelayHeader(v: GoValue): RelayHeader {
  const s = asStruct(v, 'serf relay header');
  const a = asStruct(s.get('DestAddr'), 'relay DestAddr');
  const destAddr: UdpAddr = {
    ip: asBytesOrNull(a.get('IP'), 'relay IP'),
    port: asInt(a.get('Port'), 32, 'relay Port'),
    zone: asString(a.get('Zone'), 'relay Zone'),
  };
  return { destAddr, destName: asString(s.get('DestName'), 'relay DestName') };
}

// ----------------------------------------------------------------------------- public API

function withType(t: MessageType, v: GoValue): Uint8Array {
  // The type byte goes into the same writer: no second buffer and copy of the body.
  return withWriter((w) => {
    w.u8(t);
    encodeInto(w, v);
  });
}

/** Encodes a message exactly as Serf's encodeMessage does. */
export function encodeMessage(m: SerfMessage): Uint8Array {
  switch (m.type) {
    case MessageType.Leave:
      return withType(m.type, leaveValue(m.msg));
    case MessageType.Join:
      return withType(m.type, joinValue(m.msg));
    case MessageType.PushPull:
      return withType(m.type, pushPullValue(m.msg));
    case MessageType.UserEvent:
      return withType(m.type, userEventValue(m.msg));
    case MessageType.Query:
      return withType(m.type, queryValue(m.msg));
    case MessageType.QueryResponse:
      return withType(m.type, queryResponseValue(m.msg));
    case MessageType.ConflictResponse:
      return withType(m.type, memberValue(m.msg));
    case MessageType.KeyRequest:
      return withType(m.type, keyRequestValue(m.msg));
    case MessageType.KeyResponse:
      return withType(m.type, keyResponseValue(m.msg));
    case MessageType.Relay:
      return encodeRelay(m.msg.header, m.msg.inner);
  }
}

/** A relay message: the header, then `inner` (an already encoded message, type byte first). */
export function encodeRelay(header: RelayHeader, inner: Uint8Array): Uint8Array {
  const h = encode(relayHeaderValue(header));
  const out = new Uint8Array(1 + h.length + inner.length);
  out[0] = MessageType.Relay;
  out.set(h, 1);
  out.set(inner, 1 + h.length);
  return out;
}

function body(buf: Uint8Array, what: string): GoValue {
  return decodeOne(buf, 1, { what }).value;
}

/** Decodes any Serf message (type byte first). Throws DecodeError only. */
export function decodeMessage(buf: Uint8Array): SerfMessage {
  if (buf.length === 0) throw new DecodeError('empty serf message', 0, 'serf message');
  const t = buf[0]!;
  if (t > MAX_TYPE) throw new DecodeError(`unknown serf message type ${t}`, 0, 'serf message');
  return decoding('serf message', (): SerfMessage => {
    switch (t as MessageType) {
      case MessageType.Leave:
        return { type: MessageType.Leave, msg: decodeLeave(body(buf, 'serf leave')) };
      case MessageType.Join:
        return { type: MessageType.Join, msg: decodeJoin(body(buf, 'serf join')) };
      case MessageType.PushPull:
        return { type: MessageType.PushPull, msg: decodePushPull(body(buf, 'serf push-pull')) };
      case MessageType.UserEvent:
        return { type: MessageType.UserEvent, msg: decodeUserEvent(body(buf, 'serf user event')) };
      case MessageType.Query:
        return { type: MessageType.Query, msg: decodeQuery(body(buf, 'serf query')) };
      case MessageType.QueryResponse:
        return { type: MessageType.QueryResponse, msg: decodeQueryResponse(body(buf, 'serf query response')) };
      case MessageType.ConflictResponse:
        return { type: MessageType.ConflictResponse, msg: decodeWireMember(body(buf, 'serf conflict response')) };
      case MessageType.KeyRequest:
        return { type: MessageType.KeyRequest, msg: decodeKeyRequest(body(buf, 'serf key request')) };
      case MessageType.KeyResponse:
        return { type: MessageType.KeyResponse, msg: decodeKeyResponse(body(buf, 'serf key response')) };
      case MessageType.Relay: {
        const { value, end } = decodeOne(buf, 1, { what: 'serf relay header' });
        return { type: MessageType.Relay, msg: { header: decodeRelayHeader(value), inner: buf.slice(end) } };
      }
    }
  });
}

/** Message body by type, for decodeMessageOf. */
export interface MessageOf {
  [MessageType.Leave]: LeaveMessage;
  [MessageType.Join]: JoinMessage;
  [MessageType.PushPull]: PushPullMessage;
  [MessageType.UserEvent]: UserEventMessage;
  [MessageType.Query]: QueryMessage;
  [MessageType.QueryResponse]: QueryResponseMessage;
  [MessageType.ConflictResponse]: WireMember | null;
  [MessageType.KeyRequest]: KeyRequestMessage;
  [MessageType.KeyResponse]: KeyResponseMessage;
  [MessageType.Relay]: { header: RelayHeader; inner: Uint8Array };
}

/** Decodes a message that must be of type `t` (e.g. a key response payload). */
export function decodeMessageOf<T extends MessageType>(buf: Uint8Array, t: T): MessageOf[T] {
  if (buf.length === 0 || buf[0] !== t) {
    throw new DecodeError(`expected serf message type ${t}, got ${buf.length === 0 ? 'nothing' : buf[0]}`, 0, 'serf message');
  }
  return decodeMessage(buf).msg as MessageOf[T];
}
