import { strict as assert } from 'node:assert';
import type { Addr } from '../../../gossip/runtime.js';
import { decodeMessage, decodeMessageOf, encodeMessage } from '../../../gossip/serf/codec.js';
import { QueryBuffer } from '../../../gossip/serf/event-buffer.js';
import { encodeFilters } from '../../../gossip/serf/filters.js';
import { LamportClock } from '../../../gossip/serf/lamport.js';
import type { Member } from '../../../gossip/serf/member.js';
import { MemberStatus, MessageType, QUERY_FLAG_ACK, QUERY_FLAG_NO_BROADCAST, type QueryMessage } from '../../../gossip/serf/messages.js';
import {
  ackFor,
  admitQuery,
  defaultQueryTimeout,
  IncomingQuery,
  kRandomMembers,
  QueryResponse,
  type QueryTransport,
} from '../../../gossip/serf/query.js';
import { vector } from './vectors.js';

function member(name: string, status = MemberStatus.Alive, protocolMax = 5, ip = 10): Member {
  return {
    name, addr: Uint8Array.of(10, 0, 0, ip), port: 7946, tags: new Map(), status,
    protocolMin: 1, protocolMax, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 5,
  };
}

function transport(members: Member[], now = () => 0) {
  const sent: { addr: Addr; msg: Uint8Array }[] = [];
  let r = 0;
  const t: QueryTransport = {
    now,
    sendTo: (addr, _n, msg) => void sent.push({ addr, msg }),
    members: () => members,
    random: { int: (n: number) => r++ % n },
    self: 'me',
    responseSizeLimit: 1024,
  };
  return { t, sent };
}

const query = (over: Partial<QueryMessage> = {}): QueryMessage => ({
  ltime: 4, id: 99, addr: Uint8Array.of(127, 0, 0, 1), port: 7000, sourceNode: 'origin', filters: null,
  flags: QUERY_FLAG_ACK, relayFactor: 0, timeout: 2e9, name: 'q', payload: null, ...over,
});

describe('serf queries', () => {
  it('default timeout = GossipInterval * QueryTimeoutMult * ceil(log10(N+1))', () => {
    assert.equal(defaultQueryTimeout(200, 16, 1), 3200); // LAN, 1 member: 200 ms * 16 * 1
    assert.equal(defaultQueryTimeout(200, 16, 9), 3200);
    assert.equal(defaultQueryTimeout(200, 16, 10), 6400); // log10(11) -> 2
    assert.equal(defaultQueryTimeout(200, 16, 100), 9600);
    assert.equal(defaultQueryTimeout(100, 16, 3), 1600); // Local profile
  });

  it('admission: new once per (LTime, id), rebroadcast unless NoBroadcast, processed only if filters pass', () => {
    const buf = new QueryBuffer(new LamportClock());
    const tags = new Map([['role', 'web']]);
    assert.deepEqual(admitQuery(buf, query(), 'me', tags), { fresh: true, rebroadcast: true, process: true });
    assert.deepEqual(admitQuery(buf, query(), 'me', tags), { fresh: false, rebroadcast: false, process: false });
    const filtered = query({ id: 100, filters: encodeFilters(['other'], undefined) });
    assert.deepEqual(admitQuery(buf, filtered, 'me', tags), { fresh: true, rebroadcast: true, process: false });
    const direct = query({ id: 101, flags: QUERY_FLAG_NO_BROADCAST, filters: encodeFilters(undefined, new Map([['role', 'w.b']])) });
    assert.deepEqual(admitQuery(buf, direct, 'me', tags), { fresh: true, rebroadcast: false, process: true });
  });

  it('the ack is what a real agent sends (LTime, ID, From, ack flag, nil payload)', () => {
    const q = decodeMessageOf(vector('query-27'), MessageType.Query);
    const ack = ackFor(q, 'alpha');
    assert.deepEqual(Buffer.from(encodeMessage({ type: MessageType.QueryResponse, msg: ack })), Buffer.from(vector('queryResponse-25')));
  });

  it('responding: once, before the deadline, within the size limit; direct to the origin', () => {
    let now = 1000;
    const { t, sent } = transport([member('me')], () => now);
    const q = new IncomingQuery(t, query({ timeout: 2e9 }), 1000);
    assert.equal(q.deadline, 3000);
    assert.throws(() => q.respond(new Uint8Array(2000)), /exceeds limit/);
    q.respond(Uint8Array.of(1, 2));
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.addr, { host: '127.0.0.1', port: 7000 });
    const r = decodeMessageOf(sent[0]!.msg, MessageType.QueryResponse);
    assert.deepEqual(r, { ltime: 4, id: 99, from: 'me', flags: 0, payload: Uint8Array.of(1, 2) });
    assert.throws(() => q.respond(Uint8Array.of(3)), /already sent/);
    const late = new IncomingQuery(t, query(), 1000);
    now = 3001;
    assert.throws(() => late.respond(Uint8Array.of(3)), /past the deadline/);
  });

  it('relays: copies go through alive protocol-5 members other than us, wrapped in a relay header', () => {
    const members = [member('me'), member('a', MemberStatus.Alive, 5, 1), member('b', MemberStatus.Failed, 5, 2), member('c', MemberStatus.Alive, 4, 3), member('d', MemberStatus.Alive, 5, 4)];
    const { t, sent } = transport(members);
    new IncomingQuery(t, query({ relayFactor: 2 }), 0).respond(Uint8Array.of(7));
    assert.equal(sent.length, 3);
    const relayed = sent.slice(1);
    assert.deepEqual(relayed.map((s) => s.addr.host).sort(), ['10.0.0.1', '10.0.0.4']);
    const m = decodeMessage(relayed[0]!.msg);
    assert.equal(m.type, MessageType.Relay);
    if (m.type !== MessageType.Relay) return;
    assert.equal(m.msg.header.destName, 'origin');
    assert.deepEqual(m.msg.header.destAddr, { ip: Uint8Array.of(127, 0, 0, 1), port: 7000, zone: '' });
    assert.equal(decodeMessageOf(m.msg.inner, MessageType.QueryResponse).from, 'me');
  });

  it('no relays when the cluster is smaller than relayFactor + 1', () => {
    const { t, sent } = transport([member('me'), member('a')]);
    new IncomingQuery(t, query({ relayFactor: 2 }), 0).respond(Uint8Array.of(7));
    assert.equal(sent.length, 1);
  });

  it('kRandomMembers picks distinct members, skipping rejected ones, within 3n tries', () => {
    const ms = ['a', 'b', 'c', 'd'].map((n) => member(n));
    let i = 0;
    const seq = [0, 0, 1, 1, 2, 3, 3];
    const picked = kRandomMembers(3, ms, { int: () => seq[i++ % seq.length]! }, (m) => m.name === 'b');
    assert.deepEqual(picked.map((m) => m.name), ['a', 'c', 'd']);
    assert.deepEqual(kRandomMembers(2, ms, { int: () => 0 }).map((m) => m.name), ['a']); // only ever index 0
  });

  it('collecting: acks and responses once per member, until the deadline; wrong ids ignored', async () => {
    const r = new QueryResponse(99, 4, 5000, true, 10);
    const resp = (from: string, flags: number, p: number[] | null = null) => ({ ltime: 4, id: 99, from, flags, payload: p && Uint8Array.from(p) });
    assert.equal(r.deliver(resp('a', QUERY_FLAG_ACK), 0), 'ack');
    assert.equal(r.deliver(resp('a', QUERY_FLAG_ACK), 0), 'duplicate');
    assert.equal(r.deliver(resp('a', 0, [1]), 0), 'response');
    assert.equal(r.deliver(resp('a', 0, [2]), 0), 'duplicate');
    assert.equal(r.deliver({ ...resp('b', 0), id: 1 }, 0), 'id-mismatch');
    assert.equal(r.deliver(resp('b', 0), 5001), 'closed');
    r.close();
    const acks: string[] = [];
    for await (const a of r.acks!) acks.push(a);
    const rs: string[] = [];
    for await (const x of r.responses) rs.push(`${x.from}:${[...x.payload]}`);
    assert.deepEqual(acks, ['a']);
    assert.deepEqual(rs, ['a:1']);
  });

  it('acks for a query that did not ask for them are dropped; a full channel drops like Go', () => {
    const r = new QueryResponse(1, 1, 1e9, false, 1);
    assert.equal(r.acks, null);
    assert.equal(r.deliver({ ltime: 1, id: 1, from: 'a', flags: QUERY_FLAG_ACK, payload: null }, 0), 'dropped');
    assert.equal(r.deliver({ ltime: 1, id: 1, from: 'a', flags: 0, payload: null }, 0), 'response');
    assert.equal(r.deliver({ ltime: 1, id: 1, from: 'b', flags: 0, payload: null }, 0), 'dropped');
  });
});
