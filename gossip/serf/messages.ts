// Serf's gossip messages (serf 0.9.4 messages.go) as TypeScript values. Each travels as one
// type byte followed by a go-msgpack struct (see codec.ts). Field notes:
// - `[]byte` fields are `Uint8Array | null`: Go tells nil (0xc0) from empty (0xa0) on the wire,
//   and we keep the difference so captured messages re-encode byte for byte.
// - Times: LTime is a Lamport time; Query.timeout is a Go time.Duration in nanoseconds.
import type { LTime } from './lamport.js';

/** A member's unique name. */
export type NodeName = string;

export enum MessageType {
  Leave = 0,
  Join = 1,
  PushPull = 2,
  UserEvent = 3,
  Query = 4,
  QueryResponse = 5,
  ConflictResponse = 6,
  KeyRequest = 7,
  KeyResponse = 8,
  Relay = 9,
}

/** Query flag bits. */
export const QUERY_FLAG_ACK = 1;
/** The receiver must not re-gossip the query (used to address single members). */
export const QUERY_FLAG_NO_BROADCAST = 2;

export enum FilterType {
  Node = 0,
  Tag = 1,
}

/** Broadcast after joining, to stamp our membership with a Lamport time. */
export interface JoinMessage {
  ltime: LTime;
  node: NodeName;
}

/** Intent to leave (graceful or forced); `prune` erases the member at once. */
export interface LeaveMessage {
  ltime: LTime;
  node: NodeName;
  prune: boolean;
}

export interface UserEventRecord {
  name: string;
  payload: Uint8Array | null;
}

/** All user events seen at one event LTime (one slot of the event buffer). */
export interface UserEventsAt {
  ltime: LTime;
  events: UserEventRecord[];
}

/** Serf's part of a memberlist push-pull (its LocalState). */
export interface PushPullMessage {
  ltime: LTime;
  /** Member name -> status LTime, in wire order. */
  statusLTimes: [NodeName, LTime][];
  leftMembers: NodeName[];
  eventLTime: LTime;
  /** The whole event buffer, nil slots included (Go sends all 512). */
  events: (UserEventsAt | null)[];
  queryLTime: LTime;
}

export interface UserEventMessage {
  ltime: LTime;
  name: string;
  payload: Uint8Array | null;
  /** "can coalesce" */
  cc: boolean;
}

export interface QueryMessage {
  ltime: LTime;
  /** Random uint32 chosen by the originator. */
  id: number;
  /** Originator's IP (raw 4 or 16 bytes) and port for direct responses. */
  addr: Uint8Array | null;
  port: number;
  sourceNode: NodeName;
  /** Encoded filters (see Filter / encodeFilter). */
  filters: Uint8Array[] | null;
  flags: number;
  relayFactor: number;
  /** time.Duration: nanoseconds. */
  timeout: number;
  name: string;
  payload: Uint8Array | null;
}

export interface QueryResponseMessage {
  ltime: LTime;
  id: number;
  from: NodeName;
  flags: number;
  payload: Uint8Array | null;
}

/** A query filter, decoded. Tag filters hold a Go (RE2) regular expression. */
export type Filter = { type: FilterType.Node; nodes: NodeName[] } | { type: FilterType.Tag; tag: string; expr: string };

/** Go's net.UDPAddr as go-msgpack writes it. */
export interface UdpAddr {
  ip: Uint8Array | null;
  port: number;
  zone: string;
}

/** Prefix of a relayed message: where the relaying member must forward the rest. */
export interface RelayHeader {
  destAddr: UdpAddr;
  destName: NodeName;
}

/** Payload of the key-management queries (after the KeyRequest type byte). */
export interface KeyRequestMessage {
  key: Uint8Array | null;
}

/** Payload of a key-management query response (after the KeyResponse type byte). */
export interface KeyResponseMessage {
  result: boolean;
  message: string;
  /** base64 keys (list-keys only); null when Go had a nil slice. */
  keys: string[] | null;
  primaryKey: string;
}

/** Serf's member status (wire values of MemberStatus). */
export enum MemberStatus {
  None = 0,
  Alive = 1,
  Leaving = 2,
  Left = 3,
  Failed = 4,
}

export function memberStatusName(s: MemberStatus): string {
  return ['none', 'alive', 'leaving', 'left', 'failed'][s] ?? 'unknown';
}

/** Serf's Member as it is encoded (conflict responses). */
export interface WireMember {
  name: NodeName;
  addr: Uint8Array | null;
  port: number;
  tags: Map<string, string>;
  status: MemberStatus;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

export type SerfMessage =
  | { type: MessageType.Leave; msg: LeaveMessage }
  | { type: MessageType.Join; msg: JoinMessage }
  | { type: MessageType.PushPull; msg: PushPullMessage }
  | { type: MessageType.UserEvent; msg: UserEventMessage }
  | { type: MessageType.Query; msg: QueryMessage }
  | { type: MessageType.QueryResponse; msg: QueryResponseMessage }
  | { type: MessageType.ConflictResponse; msg: WireMember | null }
  | { type: MessageType.KeyRequest; msg: KeyRequestMessage }
  | { type: MessageType.KeyResponse; msg: KeyResponseMessage }
  | { type: MessageType.Relay; msg: { header: RelayHeader; inner: Uint8Array } };
