import { strict as assert } from 'node:assert';
import { Keyring } from '../../../gossip/memberlist/keyring.js';
import { decodeMessageOf, encodeMessage } from '../../../gossip/serf/codec.js';
import {
  CONFLICT_QUERY,
  handleInternalQuery,
  INSTALL_KEY_QUERY,
  type InternalQueryContext,
  LIST_KEYS_QUERY,
  REMOVE_KEY_QUERY,
  USE_KEY_QUERY,
} from '../../../gossip/serf/internal-query.js';
import { collectKeyResponses } from '../../../gossip/serf/key-manager.js';
import type { Member } from '../../../gossip/serf/member.js';
import { MemberStatus, MessageType } from '../../../gossip/serf/messages.js';
import { IncomingQuery, type NodeResponse } from '../../../gossip/serf/query.js';
import { Channel } from '../../../gossip/serf/channel.js';
import { hex, vector } from './vectors.js';

const key = (b: number) => new Uint8Array(32).fill(b);
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');

function run(name: string, payload: Uint8Array, ctx: Partial<InternalQueryContext> = {}) {
  const sent: Uint8Array[] = [];
  const warnings: string[] = [];
  const q = new IncomingQuery(
    { now: () => 0, sendTo: (_a, _n, m) => void sent.push(m), members: () => [], random: { int: () => 0 }, self: 'me', responseSizeLimit: ctx.responseSizeLimit ?? 1024 },
    { ltime: 3, id: 5, addr: Uint8Array.of(127, 0, 0, 1), port: 1, sourceNode: 'o', filters: null, flags: 0, relayFactor: 0, timeout: 1e9, name, payload },
    0,
  );
  handleInternalQuery(q, { self: 'me', member: () => undefined, keyring: undefined, responseSizeLimit: 1024, warn: (m) => void warnings.push(m), ...ctx });
  const bodies = sent.map((m) => decodeMessageOf(m, MessageType.QueryResponse).payload!);
  return { bodies, warnings };
}

const keyReq = (k: Uint8Array) => encodeMessage({ type: MessageType.KeyRequest, msg: { key: k } });
const keyResp = (b: Uint8Array) => decodeMessageOf(b, MessageType.KeyResponse);

describe('serf internal queries', () => {
  it('_serf_ping needs no response (the ack answers it)', () => {
    assert.deepEqual(run('_serf_ping', new Uint8Array(0)).bodies, []);
  });

  it('_serf_conflict: answers with the member we know under that name, or nil; never about ourselves', () => {
    const m: Member = {
      name: 'x', addr: Uint8Array.of(10, 0, 0, 9), port: 7946, tags: new Map([['role', 'a']]), status: MemberStatus.Alive,
      protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 5,
    };
    const known = run(CONFLICT_QUERY, new TextEncoder().encode('x'), { member: (n) => (n === 'x' ? m : undefined) });
    const got = decodeMessageOf(known.bodies[0]!, MessageType.ConflictResponse)!;
    assert.equal(got.name, 'x');
    assert.deepEqual([...got.addr!], [10, 0, 0, 9]);
    assert.equal(hex(run(CONFLICT_QUERY, new TextEncoder().encode('y')).bodies[0]!), '06c0');
    assert.deepEqual(run(CONFLICT_QUERY, new TextEncoder().encode('me')).bodies, []);
  });

  it('without encryption, key queries answer with Go\'s error texts (as the captured agents did)', () => {
    const list = keyResp(run(LIST_KEYS_QUERY, keyReq(new Uint8Array(0))).bodies[0]!);
    assert.deepEqual(list, { result: false, message: 'Keyring is empty (encryption not enabled)', keys: null, primaryKey: '' });
    // byte-identical to alpha's answer in the capture
    const captured = decodeMessageOf(vector('queryResponse-67'), MessageType.QueryResponse).payload!;
    assert.equal(hex(run(LIST_KEYS_QUERY, keyReq(new Uint8Array(0))).bodies[0]!), hex(captured));
    const inst = keyResp(run(INSTALL_KEY_QUERY, keyReq(key(1))).bodies[0]!);
    assert.equal(inst.message, 'No keyring to modify (encryption not enabled)');
  });

  it('install, use, remove and list change and report the keyring; failures carry Go\'s messages', () => {
    const ring = new Keyring(key(1));
    let saved = 0;
    const ctx = { keyring: ring, persistKeyring: () => void saved++ };
    assert.equal(keyResp(run(INSTALL_KEY_QUERY, keyReq(key(2)), ctx).bodies[0]!).result, true);
    assert.equal(ring.getKeys().length, 2);
    assert.equal(keyResp(run(INSTALL_KEY_QUERY, keyReq(new Uint8Array(5)), ctx).bodies[0]!).message, 'key size must be 16, 24 or 32 bytes');
    assert.equal(keyResp(run(USE_KEY_QUERY, keyReq(key(9)), ctx).bodies[0]!).message, 'Requested key is not in the keyring');
    assert.equal(keyResp(run(USE_KEY_QUERY, keyReq(key(2)), ctx).bodies[0]!).result, true);
    assert.equal(b64(ring.primaryKey()!), b64(key(2)));
    assert.equal(keyResp(run(REMOVE_KEY_QUERY, keyReq(key(2)), ctx).bodies[0]!).message, 'Removing the primary key is not allowed');
    assert.equal(keyResp(run(REMOVE_KEY_QUERY, keyReq(key(1)), ctx).bodies[0]!).result, true);
    const list = keyResp(run(LIST_KEYS_QUERY, keyReq(new Uint8Array(0)), ctx).bodies[0]!);
    assert.deepEqual(list, { result: true, message: '', keys: [b64(key(2))], primaryKey: b64(key(2)) });
    assert.equal(saved, 3);
  });

  it('a keyring save failure fails the response', () => {
    const r = keyResp(run(INSTALL_KEY_QUERY, keyReq(key(2)), { keyring: new Keyring(key(1)), persistKeyring: () => 'disk full' }).bodies[0]!);
    assert.deepEqual([r.result, r.message], [false, 'disk full']);
  });

  it('list-keys truncates to fit the response size limit, saying so', () => {
    const ring = new Keyring(key(0));
    for (let i = 1; i < 30; i++) ring.addKey(key(i));
    const r = run(LIST_KEYS_QUERY, keyReq(new Uint8Array(0)), { keyring: ring });
    const resp = keyResp(r.bodies[0]!);
    assert.ok(resp.keys!.length < 30 && resp.keys!.length > 10, String(resp.keys!.length));
    assert.equal(resp.message, `truncated key list response, showing first ${resp.keys!.length} of 30 keys`);
    assert.ok(r.warnings.some((w) => w.startsWith('truncated')));
  });

  it('garbage key requests get a failed response, not a crash', () => {
    const r = keyResp(run(INSTALL_KEY_QUERY, Uint8Array.of(7, 0xc1), { keyring: new Keyring(key(1)) }).bodies[0]!);
    assert.equal(r.result, false);
    assert.equal(keyResp(run(INSTALL_KEY_QUERY, new Uint8Array(0), { keyring: new Keyring(key(1)) }).bodies[0]!).result, false);
  });

  it('the key manager tallies responses as Go does', async () => {
    const ch = new Channel<NodeResponse>();
    const enc = (result: boolean, message: string, keys: string[] | null, primaryKey: string) =>
      encodeMessage({ type: MessageType.KeyResponse, msg: { result, message, keys, primaryKey } });
    ch.push({ from: 'a', payload: enc(true, '', ['k1', 'k2'], 'k1') });
    ch.push({ from: 'b', payload: enc(false, 'nope', null, '') });
    ch.push({ from: 'c', payload: Uint8Array.of(1, 2) });
    ch.close();
    const r = await collectKeyResponses(ch, 4);
    assert.equal(r.numResp, 3);
    assert.equal(r.numErr, 2);
    assert.deepEqual(r.keys, new Map([['k1', 1], ['k2', 1]]));
    assert.deepEqual(r.primaryKeys, new Map([['k1', 1], ['', 1]]));
    assert.equal(r.messages.get('b'), 'nope');
    assert.match(r.messages.get('c')!, /Failed to decode/);
  });
});
