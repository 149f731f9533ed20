// RPC messages against bytes captured (tcpdump) between the real serf 0.9.4 CLI and a real agent.
import { strict as assert } from 'node:assert';
import { decode, GoMap } from '../../../gossip/msgpack-go.js';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import type { Member } from '../../../gossip/serf/member.js';
import {
  coordinateBody,
  decodeBody,
  decodeRequestHeader,
  encodeRequest,
  encodeResponse,
  joinBody,
  keyBody,
  membersBody,
  queryRecord,
} from '../../../lib/serf-rpc/protocol.js';
import { ValueReader } from '../../../lib/serf-rpc/framing.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function values(bytes: Uint8Array): Promise<unknown[]> {
  const r = new ValueReader();
  r.push(bytes);
  r.end();
  const out: unknown[] = [];
  for (let v = await r.next(); v !== undefined; v = await r.next()) out.push(v);
  return out;
}

const capa: Member = {
  name: 'capa',
  addr: new Uint8Array([127, 0, 0, 1]),
  port: 17946,
  tags: new Map([['role', 'x']]),
  status: MemberStatus.Alive,
  protocolMin: 1,
  protocolMax: 5,
  protocolCur: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 5,
};

describe('serf-rpc protocol (captured serf CLI <-> agent bytes)', () => {
  it('handshake request: header then body, as the CLI sends it', async () => {
    const wire = hex('82a7436f6d6d616e64a968616e647368616b65a35365710181a756657273696f6e01');
    const [h, b] = (await values(wire)) as [GoMap, GoMap];
    assert.deepEqual(decodeRequestHeader(h), { command: 'handshake', seq: 1 });
    assert.deepEqual(decodeBody.handshake(b), { version: 1 });
    assert.equal(toHex(encodeRequest('handshake', 1, { Version: 1 })), toHex(wire));
  });

  it('plain reply header is byte-identical', () => {
    assert.equal(toHex(encodeResponse(1, '')), '82a54572726f72a0a353657101');
  });

  it('members-filtered reply body is byte-identical', () => {
    const want =
      '82a54572726f72a0a35365710281a74d656d62657273918ba441646472c4047f000001ab44656c656761746543757205ab44656c65676174654d617805ab44656c65676174654d696e02a44e616d65a463617061a4506f7274cd461aab50726f746f636f6c43757202ab50726f746f636f6c4d617805ab50726f746f636f6c4d696e01a6537461747573a5616c697665a45461677381a4726f6c65a178';
    assert.equal(toHex(encodeResponse(2, '', membersBody([capa]))), want);
  });

  it('decodes the CLI query request (nil FilterNodes, Timeout in ns) and members-filtered request', async () => {
    const q = hex(
      '87ab46696c7465724e6f64657391a463617062aa46696c7465725461677381a4726f6c65a178a44e616d65a27132a75061796c6f6164c0ab52656c6179466163746f7200aa5265717565737441636bc3a754696d656f7574ce3b9aca00',
    );
    const req = decodeBody.query(decode(q));
    assert.deepEqual(req.filterNodes, ['capb']);
    assert.deepEqual([...req.filterTags], [['role', 'x']]);
    assert.equal(req.requestAck, true);
    assert.equal(req.timeoutMs, 1000);
    assert.equal(req.payload.length, 0);
    const m = decodeBody.membersFiltered(decode(hex('83a44e616d65a56361702e2aa6537461747573a0a45461677381a4726f6c65a178')));
    assert.deepEqual(m, { name: 'cap.*', status: '', tags: new Map([['role', 'x']]) });
  });

  it('query stream records (ack with nil payload, done with empty From) are byte-identical', () => {
    assert.equal(toHex(encodeResponse(2, '', queryRecord('ack', 'capa', null))), '82a54572726f72a0a35365710283a446726f6da463617061a75061796c6f6164c0a454797065a361636b');
    assert.equal(toHex(encodeResponse(2, '', queryRecord('done', '', null))), '82a54572726f72a0a35365710283a446726f6da0a75061796c6f6164c0a454797065a4646f6e65');
  });

  it('key replies: install leaves Keys nil, list fills it (str8 key)', () => {
    assert.equal(
      toHex(encodeResponse(2, '', keyBody({ messages: new Map(), numNodes: 2, numErr: 0, numResp: 2 }))),
      '82a54572726f72a0a35365710285a44b657973c0a84d6573736167657380a64e756d45727200a84e756d4e6f64657302a74e756d5265737002',
    );
    const k = 'uDObcHQDUPRvjHqHxSrCcxO5xSVkd8KJi2Z2qTQKalo=';
    assert.equal(
      toHex(encodeResponse(2, '', keyBody({ messages: new Map(), keys: new Map([[k, 1]]), numNodes: 1, numErr: 0, numResp: 1 }))),
      '82a54572726f72a0a35365710285a44b65797381d92c' + toHex(Buffer.from(k)) + '01a84d6573736167657380a64e756d45727200a84e756d4e6f64657301a74e756d5265737001',
    );
  });

  it('get-coordinate reply is byte-identical (float64 fields, sorted names)', () => {
    const want =
      '82a54572726f72a0a35365710382a5436f6f726484aa41646a7573746d656e74cb3f160bccd5ce8ebda54572726f72cb3fe6a4af3212d3c5a6486569676874cb3ef3d5865229db3aa356656398cb3f106968d8ce32adcb3f06efde41b6f97ecbbeffb25b8d18e7dacb3f0a7d81922215c5cb3f0be7db5d907c9acbbf13edf9b1485d5bcb3f048f39fa5479ddcb3f0aa215e64809b5a24f6bc3';
    const vals = decode(hex(want.slice(want.indexOf('82a5436f6f7264')))) as GoMap;
    const coord = vals.get('Coord') as GoMap;
    const num = (v: unknown) => (v as { value: number }).value;
    const c = {
      vec: (coord.get('Vec') as unknown[]).map(num),
      error: num(coord.get('Error')),
      adjustment: num(coord.get('Adjustment')),
      height: num(coord.get('Height')),
    };
    assert.equal(toHex(encodeResponse(3, '', coordinateBody(c))), want);
    // Unknown node: zero coordinate, nil Vec, Ok false.
    const zero = decode(encodeResponse(3, '', coordinateBody(undefined)).subarray(13)) as GoMap;
    assert.equal(zero.get('Ok'), false);
    assert.equal((zero.get('Coord') as GoMap).get('Vec'), null);
  });

  it('join reply and the event request from the CLI', () => {
    assert.equal(toHex(encodeResponse(2, '', joinBody(1))), '82a54572726f72a0a35365710281a34e756d01');
    const ev = decodeBody.event(decode(hex('83a8436f616c65736365c3a44e616d65a3666f6fa75061796c6f6164c403626172')));
    assert.deepEqual({ ...ev, payload: Buffer.from(ev.payload).toString() }, { name: 'foo', payload: 'bar', coalesce: true });
  });

  it('asyncserf (Python msgpack) requests decode too: str8 keys, bin payloads, any key order', async () => {
    // From vectors/serf-events.txt: the DistKV server's 'event' body.
    const body = hex(
      '83a44e616d65ae3a646973746b762e757064617465a75061796c6f6164c44586a46e6f6465a57465737431a47469636b02a470726576c0a470617468c70d03a464656d6fa763617074757265a576616c756582a1782aa173a568656c6c6fa4746f636b0aa8436f616c65736365c2',
    );
    const ev = decodeBody.event(decode(body));
    assert.equal(ev.name, ':distkv.update');
    assert.equal(ev.payload.length, 69);
    assert.equal(ev.coalesce, false);
    const [h] = (await values(hex('82a3536571 00 a7436f6d6d616e64 a6 73747265616d'.replace(/ /g, '')))) as [GoMap];
    assert.deepEqual(decodeRequestHeader(h), { command: 'stream', seq: 0 });
  });

  it('Seq beyond 2^53 round-trips as a bigint', () => {
    const big = (1n << 63n) + 5n;
    const h = decodeRequestHeader(decode(encodeRequest('stats', big)));
    assert.equal(h.seq, big);
    assert.equal(toHex(encodeResponse(big, '')).slice(-18), 'cf' + big.toString(16));
  });
});
