// The Serf agent RPC ("IPC") protocol, version 1, as serf 0.9.4's cmd/serf/command/agent/ipc.go
// speaks it: every request is a header map {Command, Seq} optionally followed by a body map;
// every reply is a header map {Error, Seq} optionally followed by a body. Streams (stream,
// monitor, query) keep sending header+record pairs under the request's Seq. Both sides use
// go-msgpack with RawToString+WriteExt: str8 strings, bin8/16/32 byte slices, Go struct field
// names sorted by byte order — the encoders here build exactly those maps.
import { DecodeError } from '../../gossip/decode-error.js';
import {
  asArray,
  asBigInt,
  asBool,
  asBytesOrNull,
  asInt,
  asMap,
  asString,
  asStruct,
  asUint,
  encode,
  GoFloat,
  GoMap,
  goStruct,
  type GoValue,
} from '../../gossip/msgpack-go.js';
import type { Coordinate } from '../../gossip/serf/coordinate.js';
import type { Member } from '../../gossip/serf/member.js';
import { memberStatusName } from '../../gossip/serf/messages.js';

export const MIN_IPC_VERSION = 1;
export const MAX_IPC_VERSION = 1;

/** Error strings, verbatim from ipc.go (clients compare them). */
export const RpcError = {
  unsupportedCommand: 'Unsupported command',
  unsupportedIPCVersion: 'Unsupported IPC version',
  duplicateHandshake: 'Handshake already performed',
  handshakeRequired: 'Handshake required',
  monitorExists: 'Monitor already exists',
  invalidFilter: 'Invalid event filter',
  streamExists: 'Stream with given sequence exists',
  invalidQueryID: 'No pending queries matching ID',
  authRequired: 'Authentication required',
  invalidAuthToken: 'Invalid authentication token',
} as const;

/** A sequence number: a uint64 on the wire; a bigint only beyond 2^53. */
export type Seq = number | bigint;

export interface RequestHeader {
  command: string;
  seq: Seq;
}

const WIRE = { writeExt: true } as const;

function seqOf(v: GoValue | undefined): Seq {
  const b = asBigInt(v, 'Seq');
  if (b < 0n || b >= 1n << 64n) throw new DecodeError('Seq: out of uint64 range', undefined, 'rpc header');
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

export function decodeRequestHeader(v: GoValue): RequestHeader {
  const s = asStruct(v, 'rpc request header');
  return { command: asString(s.get('Command'), 'Command'), seq: seqOf(s.get('Seq')) };
}

/** A response header plus optional body, as one write. */
export function encodeResponse(seq: Seq, error: string, body?: GoValue): Uint8Array {
  return headerAndBody(goStruct({ Error: error, Seq: seq }), body);
}

/** A request (what clients send); used by our client and tests. */
export function encodeRequest(command: string, seq: Seq, body?: GoValue): Uint8Array {
  return headerAndBody(goStruct({ Command: command, Seq: seq }), body);
}

/** Go's RPC writes the header and the body as two consecutive msgpack values. */
function headerAndBody(header: GoValue, body: GoValue | undefined): Uint8Array {
  const head = encode(header, WIRE);
  if (body === undefined) return head;
  const b = encode(body, WIRE);
  const out = new Uint8Array(head.length + b.length);
  out.set(head, 0);
  out.set(b, head.length);
  return out;
}

// ------------------------------------------------------------------ request bodies

function stringMap(v: GoValue | undefined, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, x] of asMap(v, what).entries) out.set(asString(k, `${what} key`), asString(x, `${what} value`));
  return out;
}

function stringList(v: GoValue | undefined, what: string): string[] {
  return asArray(v, what).map((x) => asString(x, what));
}

export const decodeBody = {
  handshake: (v: GoValue) => ({ version: asInt(asStruct(v, 'handshake').get('Version'), 32, 'Version') }),
  auth: (v: GoValue) => ({ authKey: asString(asStruct(v, 'auth').get('AuthKey'), 'AuthKey') }),
  coordinate: (v: GoValue) => ({ node: asString(asStruct(v, 'get-coordinate').get('Node'), 'Node') }),
  event(v: GoValue) {
    const s = asStruct(v, 'event');
    return {
      name: asString(s.get('Name'), 'Name'),
      payload: asBytesOrNull(s.get('Payload'), 'Payload') ?? new Uint8Array(0),
      coalesce: asBool(s.get('Coalesce'), 'Coalesce'),
    };
  },
  forceLeave(v: GoValue) {
    const s = asStruct(v, 'force-leave');
    return { node: asString(s.get('Node'), 'Node'), prune: asBool(s.get('Prune'), 'Prune') };
  },
  join(v: GoValue) {
    const s = asStruct(v, 'join');
    return { existing: stringList(s.get('Existing'), 'Existing'), replay: asBool(s.get('Replay'), 'Replay') };
  },
  membersFiltered(v: GoValue) {
    const s = asStruct(v, 'members-filtered');
    return { tags: stringMap(s.get('Tags'), 'Tags'), status: asString(s.get('Status'), 'Status'), name: asString(s.get('Name'), 'Name') };
  },
  key: (v: GoValue) => ({ key: asString(asStruct(v, 'key').get('Key'), 'Key') }),
  monitor: (v: GoValue) => ({ logLevel: asString(asStruct(v, 'monitor').get('LogLevel'), 'LogLevel') }),
  stream: (v: GoValue) => ({ type: asString(asStruct(v, 'stream').get('Type'), 'Type') }),
  stop: (v: GoValue) => ({ stop: seqOf(asStruct(v, 'stop').get('Stop')) }),
  tags(v: GoValue) {
    const s = asStruct(v, 'tags');
    return { tags: stringMap(s.get('Tags'), 'Tags'), deleteTags: stringList(s.get('DeleteTags'), 'DeleteTags') };
  },
  query(v: GoValue) {
    const s = asStruct(v, 'query');
    const timeoutNs = asBigInt(s.get('Timeout'), 'Timeout');
    return {
      filterNodes: stringList(s.get('FilterNodes'), 'FilterNodes'),
      filterTags: stringMap(s.get('FilterTags'), 'FilterTags'),
      requestAck: asBool(s.get('RequestAck'), 'RequestAck'),
      relayFactor: asUint(s.get('RelayFactor'), 8, 'RelayFactor'),
      /** time.Duration (ns) as milliseconds; <= 0 means the default. */
      timeoutMs: Number(timeoutNs) / 1e6,
      name: asString(s.get('Name'), 'Name'),
      payload: asBytesOrNull(s.get('Payload'), 'Payload') ?? new Uint8Array(0),
    };
  },
  respond(v: GoValue) {
    const s = asStruct(v, 'respond');
    return { id: seqOf(s.get('ID')), payload: asBytesOrNull(s.get('Payload'), 'Payload') ?? new Uint8Array(0) };
  },
};

// ------------------------------------------------------------------ response bodies

function tagsMap(tags: ReadonlyMap<string, string>): GoMap {
  return new GoMap([...tags].map(([k, v]) => [k, v] as [GoValue, GoValue]));
}

/** ipc.go's Member (Addr as the raw net.IP bytes, Status as its name). */
export function memberRecord(m: Member): GoMap {
  return goStruct({
    Name: m.name,
    Addr: m.addr,
    Port: m.port,
    Tags: tagsMap(m.tags),
    Status: memberStatusName(m.status),
    ProtocolMin: m.protocolMin,
    ProtocolMax: m.protocolMax,
    ProtocolCur: m.protocolCur,
    DelegateMin: m.delegateMin,
    DelegateMax: m.delegateMax,
    DelegateCur: m.delegateCur,
  });
}

export function membersBody(members: readonly Member[]): GoMap {
  return goStruct({ Members: members.map(memberRecord) });
}

export function memberEventRecord(event: string, members: readonly Member[]): GoMap {
  return goStruct({ Event: event, Members: members.map(memberRecord) });
}

export function userEventRecord(ltime: number, name: string, payload: Uint8Array, coalesce: boolean): GoMap {
  return goStruct({ Event: 'user', LTime: ltime, Name: name, Payload: payload.length ? payload : null, Coalesce: coalesce });
}

export function queryEventRecord(id: Seq, ltime: number, name: string, payload: Uint8Array): GoMap {
  return goStruct({ Event: 'query', ID: id, LTime: ltime, Name: name, Payload: payload.length ? payload : null });
}

export type QueryRecordType = 'ack' | 'response' | 'done';

export function queryRecord(type: QueryRecordType, from: string, payload: Uint8Array | null): GoMap {
  return goStruct({ Type: type, From: from, Payload: payload });
}

export function logRecord(line: string): GoMap {
  return goStruct({ Log: line });
}

export function joinBody(num: number): GoMap {
  return goStruct({ Num: num });
}

export interface KeyBody {
  messages: ReadonlyMap<string, string>;
  /** Only list-keys fills it; nil otherwise, as Go leaves it. */
  keys?: ReadonlyMap<string, number>;
  numNodes: number;
  numErr: number;
  numResp: number;
}

export function keyBody(k: KeyBody): GoMap {
  return goStruct({
    Messages: tagsMap(k.messages),
    Keys: k.keys ? new GoMap([...k.keys].map(([key, n]) => [key, n] as [GoValue, GoValue])) : null,
    NumNodes: k.numNodes,
    NumErr: k.numErr,
    NumResp: k.numResp,
  });
}

/** coordinate.Coordinate and the Ok flag; a zero coordinate (Vec nil) when unknown. */
export function coordinateBody(c: Coordinate | undefined): GoMap {
  const coord = goStruct({
    Vec: c ? c.vec.map((x) => new GoFloat(x)) : null,
    Error: new GoFloat(c?.error ?? 0),
    Adjustment: new GoFloat(c?.adjustment ?? 0),
    Height: new GoFloat(c?.height ?? 0),
  });
  return goStruct({ Coord: coord, Ok: c !== undefined });
}

/** map[string]map[string]string (Agent.Stats). */
export function statsBody(stats: ReadonlyMap<string, ReadonlyMap<string, string>>): GoMap {
  return new GoMap([...stats].map(([k, m]) => [k, tagsMap(m)] as [GoValue, GoValue]));
}
