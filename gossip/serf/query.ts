// Queries: parameters and default timeout, admission of an incoming query (dedup, filters,
// rebroadcast), responding to one (once, before its deadline, plus relayed copies), and the
// originator's collection of acks and responses.
import type { Addr, Millis, Random } from '../runtime.js';
import { ipToString } from '../memberlist/node.js';
import { Channel } from './channel.js';
import { encodeMessage, encodeRelay } from './codec.js';
import type { QueryBuffer } from './event-buffer.js';
import { passesFilters } from './filters.js';
import type { LTime } from './lamport.js';
import type { Member } from './member.js';
import {
  MemberStatus,
  MessageType,
  type NodeName,
  QUERY_FLAG_ACK,
  QUERY_FLAG_NO_BROADCAST,
  type QueryMessage,
  type QueryResponseMessage,
} from './messages.js';

export interface QueryParams {
  /** Only these members answer. */
  filterNodes?: NodeName[];
  /** Tag name -> Go regular expression the member's tag must match. */
  filterTags?: Map<string, string>;
  /** Ask every member that passes the filters for a delivery ack. */
  requestAck?: boolean;
  /** Members also send their answer through this many others (for lossy networks). */
  relayFactor?: number;
  /** How long the query stays open; default: defaultQueryTimeout. */
  timeout?: Millis;
}

/** Serf's DefaultQueryTimeout: GossipInterval * QueryTimeoutMult * ceil(log10(N+1)). */
export function defaultQueryTimeout(gossipInterval: Millis, queryTimeoutMult: number, numMembers: number): Millis {
  return gossipInterval * queryTimeoutMult * Math.ceil(Math.log10(numMembers + 1));
}

export interface NodeResponse {
  from: NodeName;
  payload: Uint8Array;
}

export type ResponseVerdict = 'ack' | 'response' | 'duplicate' | 'closed' | 'dropped' | 'id-mismatch';

/** What the originator of a query reads: acks (if requested) and responses until the deadline. */
export class QueryResponse {
  /** Names of members that acked; null unless acks were requested. Closed at the deadline. */
  readonly acks: Channel<NodeName> | null;
  /** Responses, each member at most once. Closed at the deadline. */
  readonly responses: Channel<NodeResponse>;
  private readonly ackFrom = new Set<NodeName>();
  private readonly respFrom = new Set<NodeName>();
  private closedFlag = false;

  constructor(
    readonly id: number,
    readonly ltime: LTime,
    readonly deadline: Millis,
    requestAck: boolean,
    /** Go sizes its channels by the member count and drops beyond it. */
    capacity: number,
  ) {
    this.acks = requestAck ? new Channel<NodeName>(capacity) : null;
    this.responses = new Channel<NodeResponse>(capacity);
  }

  finished(now: Millis): boolean {
    return this.closedFlag || now > this.deadline;
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.acks?.close();
    this.responses.close();
  }

  /** Files one response/ack (Serf's handleQueryResponse after the LTime lookup). */
  deliver(resp: QueryResponseMessage, now: Millis): ResponseVerdict {
    if (resp.id !== this.id) return 'id-mismatch';
    if (this.finished(now)) return 'closed';
    if ((resp.flags & QUERY_FLAG_ACK) !== 0) {
      if (this.ackFrom.has(resp.from)) return 'duplicate';
      if (!this.acks || !this.acks.push(resp.from)) return 'dropped';
      this.ackFrom.add(resp.from);
      return 'ack';
    }
    if (this.respFrom.has(resp.from)) return 'duplicate';
    if (!this.responses.push({ from: resp.from, payload: resp.payload ?? new Uint8Array(0) })) return 'dropped';
    this.respFrom.add(resp.from);
    return 'response';
  }
}

export interface QueryAdmission {
  /** Seen for the first time (only then is anything done). */
  fresh: boolean;
  /** Re-gossip it (fresh and no NoBroadcast flag), whether or not we process it. */
  rebroadcast: boolean;
  /** We pass the filters: ack if asked and hand it to the application. */
  process: boolean;
}

/** Serf's handleQuery decision: dedup by (LTime, id), then filters. */
export function admitQuery(buffer: QueryBuffer, q: QueryMessage, self: NodeName, tags: ReadonlyMap<string, string>): QueryAdmission {
  if (buffer.receive(q.ltime, q.id) !== 'new') return { fresh: false, rebroadcast: false, process: false };
  const rebroadcast = (q.flags & QUERY_FLAG_NO_BROADCAST) === 0;
  return { fresh: true, rebroadcast, process: passesFilters(q.filters, self, tags) };
}

/** Where to answer a query: the originator's address as carried in the query. */
export function queryOrigin(q: Pick<QueryMessage, 'addr' | 'port'>): Addr {
  return { host: q.addr && q.addr.length > 0 ? ipToString(q.addr) : '0.0.0.0', port: q.port };
}

/** How a member answers: direct UDP to the originator, then relays. */
export interface QueryTransport {
  now(): Millis;
  /** Best-effort user message to an address (memberlist SendToAddress). */
  sendTo(addr: Addr, name: NodeName, msg: Uint8Array): void;
  members(): Member[];
  random: Pick<Random, 'int'>;
  self: NodeName;
  responseSizeLimit: number;
}

/** Up to k distinct members picked at random, skipping those `skip` rejects (Go kRandomMembers). */
export function kRandomMembers(k: number, members: Member[], random: Pick<Random, 'int'>, skip?: (m: Member) => boolean): Member[] {
  const n = members.length;
  const out: Member[] = [];
  for (let i = 0; i < 3 * n && out.length < k; i++) {
    const m = members[random.int(n)]!;
    if (skip?.(m)) continue;
    if (out.some((x) => x.name === m.name)) continue;
    out.push(m);
  }
  return out;
}

/** Sends a copy of `resp` for `dest` through up to `relayFactor` other alive members. */
export function relayResponse(t: QueryTransport, relayFactor: number, dest: Addr, destName: NodeName, resp: QueryResponseMessage, destIp: Uint8Array | null): void {
  if (relayFactor === 0) return;
  const members = t.members();
  // Only worth it with at least relayFactor other members.
  if (members.length < relayFactor + 1) return;
  const inner = encodeMessage({ type: MessageType.QueryResponse, msg: resp });
  const raw = encodeRelay({ destAddr: { ip: destIp, port: dest.port, zone: '' }, destName }, inner);
  if (raw.length > t.responseSizeLimit) throw new Error(`relayed response exceeds limit of ${t.responseSizeLimit} bytes`);
  const relays = kRandomMembers(relayFactor, members, t.random, (m) => m.status !== MemberStatus.Alive || m.protocolMax < 5 || m.name === t.self);
  for (const m of relays) t.sendTo({ host: ipToString(m.addr), port: m.port }, m.name, raw);
}

/** A query delivered to the application (Serf's *Query event). */
export class IncomingQuery {
  private deadlineLeft: Millis | null;

  constructor(
    private readonly t: QueryTransport,
    readonly msg: QueryMessage,
    receivedAt: Millis,
  ) {
    this.deadlineLeft = receivedAt + msg.timeout / 1e6;
  }

  get ltime(): LTime {
    return this.msg.ltime;
  }
  get name(): string {
    return this.msg.name;
  }
  get payload(): Uint8Array {
    return this.msg.payload ?? new Uint8Array(0);
  }
  get sourceNode(): NodeName {
    return this.msg.sourceNode;
  }
  /** Clock time after which responses are refused; null once responded. */
  get deadline(): Millis | null {
    return this.deadlineLeft;
  }

  /** The response message we would send with this payload. */
  createResponse(payload: Uint8Array | null): QueryResponseMessage {
    return { ltime: this.msg.ltime, id: this.msg.id, from: this.t.self, flags: 0, payload };
  }

  /** Answers once, before the deadline; throws Error otherwise or when too big. */
  respond(payload: Uint8Array): void {
    const resp = this.createResponse(payload);
    this.respondWith(encodeMessage({ type: MessageType.QueryResponse, msg: resp }), resp);
  }

  /** Sends an already encoded response (internal queries size theirs themselves). */
  respondWith(raw: Uint8Array, resp: QueryResponseMessage): void {
    if (raw.length > this.t.responseSizeLimit) throw new Error(`response exceeds limit of ${this.t.responseSizeLimit} bytes`);
    if (this.deadlineLeft === null) throw new Error('response already sent');
    if (this.t.now() > this.deadlineLeft) throw new Error('response is past the deadline');
    const dest = queryOrigin(this.msg);
    this.t.sendTo(dest, this.msg.sourceNode, raw);
    relayResponse(this.t, this.msg.relayFactor, dest, this.msg.sourceNode, resp, this.msg.addr);
    this.deadlineLeft = null;
  }
}

/** The ack a member sends for a query with the ack flag, right on admission. */
export function ackFor(q: QueryMessage, self: NodeName): QueryResponseMessage {
  return { ltime: q.ltime, id: q.id, from: self, flags: QUERY_FLAG_ACK, payload: null };
}
