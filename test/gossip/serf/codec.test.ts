import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { decodeMessage, decodeMessageOf, encodeMessage, encodeRelay } from '../../../gossip/serf/codec.js';
import { MessageType, type SerfMessage, QUERY_FLAG_ACK } from '../../../gossip/serf/messages.js';
import { hex, serfVectors, text, vector } from './vectors.js';

describe('serf codec', () => {
  describe('captured from real serf agents', () => {
    const user = serfVectors().filter((v) => v.carrier !== 'memberlist-2');

    it('has vectors of every type Serf sent in the capture', () => {
      const types = new Set(user.map((v) => v.serfType));
      for (const t of ['join', 'leave', 'pushPull', 'userEvent', 'query', 'queryResponse', 'relay']) assert.ok(types.has(t), t);
    });

    it('decodes every captured message and re-encodes it byte for byte', () => {
      for (const v of user) {
        const buf = Buffer.from(v.hex, 'hex');
        const m = decodeMessage(buf);
        assert.equal(MessageType[m.type].toLowerCase(), v.serfType!.toLowerCase(), v.id);
        assert.equal(hex(encodeMessage(m)), v.hex, v.id);
      }
    });

    it('join: LTime and Node', () => {
      const m = decodeMessageOf(vector('join-0'), MessageType.Join);
      assert.deepEqual(m, { ltime: 1, node: 'beta' });
    });

    it('leave: LTime, Node, Prune=false', () => {
      assert.deepEqual(decodeMessageOf(vector('leave-76'), MessageType.Leave), { ltime: 3, node: 'beta', prune: false });
    });

    it('user events: coalescable with payload, and not coalescable with nil payload', () => {
      const a = decodeMessageOf(vector('userEvent-12'), MessageType.UserEvent);
      assert.deepEqual({ ...a, payload: text(a.payload) }, { ltime: 1, name: 'deploy', payload: 'v1.2.3', cc: true });
      const b = decodeMessageOf(vector('userEvent-19'), MessageType.UserEvent);
      assert.deepEqual(b, { ltime: 2, name: 'restart', payload: null, cc: false });
    });

    it('query with node and tag filters, ack flag and 3 s timeout', () => {
      const q = decodeMessageOf(vector('query-38'), MessageType.Query);
      assert.equal(q.name, 'filtered');
      assert.equal(q.sourceNode, 'alpha');
      assert.deepEqual([...q.addr!], [127, 0, 0, 1]);
      assert.equal(q.flags, QUERY_FLAG_ACK);
      assert.equal(q.timeout, 3e9);
      assert.equal(q.relayFactor, 0);
      assert.equal(q.filters!.length, 2);
      assert.equal(hex(q.filters![0]!), '0091a462657461'); // node filter ["beta"]
      assert.equal(text(q.payload), 'x');
    });

    it('query responses: ack (flag 1, nil payload) and response with payload', () => {
      const ack = decodeMessageOf(vector('queryResponse-25'), MessageType.QueryResponse);
      assert.equal(ack.flags, QUERY_FLAG_ACK);
      assert.equal(ack.payload, null);
      const resp = decodeMessageOf(vector('queryResponse-26'), MessageType.QueryResponse);
      assert.equal(resp.flags, 0);
      assert.equal(resp.from, 'alpha');
      assert.equal(resp.id, ack.id);
      assert.equal(text(resp.payload), 'resp-from-alpha');
    });

    it('relay: header with net.UDPAddr, then the wrapped response', () => {
      const r = decodeMessageOf(vector('relay-48'), MessageType.Relay);
      assert.deepEqual([...r.header.destAddr.ip!], [127, 0, 0, 1]);
      assert.equal(r.header.destAddr.zone, '');
      assert.equal(r.header.destName, 'alpha');
      const inner = decodeMessageOf(r.inner, MessageType.QueryResponse);
      assert.equal(text(inner.payload), 'resp-from-alpha');
      assert.equal(hex(encodeRelay(r.header, r.inner)), hex(vector('relay-48')));
    });

    it('key-management query payloads and responses', () => {
      const q = decodeMessageOf(vector('query-72'), MessageType.Query);
      assert.equal(q.name, '_serf_install-key');
      const req = decodeMessageOf(q.payload!, MessageType.KeyRequest);
      assert.equal(Buffer.from(req.key!).toString('base64'), 'HS8ZpbCb0EzrS3OqLxO4bWb1YDi3a1jcOtzBc+xIDt4=');
      const list = decodeMessageOf(decodeMessageOf(vector('query-68'), MessageType.Query).payload!, MessageType.KeyRequest);
      assert.equal(list.key!.length, 0); // empty but not nil: `a0`
      const resp = decodeMessageOf(vector('queryResponse-67'), MessageType.QueryResponse);
      const kr = decodeMessageOf(resp.payload!, MessageType.KeyResponse);
      assert.deepEqual(kr, { result: false, message: 'Keyring is empty (encryption not enabled)', keys: null, primaryKey: '' });
    });

    it('push-pull state: clocks, status LTimes, 512-slot event buffer', () => {
      const pp = decodeMessageOf(vector('pushPull-94'), MessageType.PushPull);
      assert.equal(pp.ltime, 2);
      assert.deepEqual(pp.statusLTimes, [['alpha', 0], ['beta', 1]]);
      assert.deepEqual(pp.leftMembers, []);
      assert.equal(pp.eventLTime, 1);
      assert.equal(pp.queryLTime, 1);
      assert.equal(pp.events.length, 512);
      assert.ok(pp.events.every((e) => e === null));
    });
  });

  describe('messages we build', () => {
    const roundTrip = (m: SerfMessage) => assert.deepEqual(decodeMessage(encodeMessage(m)), m);

    it('conflict response with a member, and with nil', () => {
      roundTrip({
        type: MessageType.ConflictResponse,
        msg: {
          name: 'n1', addr: Uint8Array.from([10, 0, 0, 1]), port: 7946, tags: new Map([['a', '1'], ['role', 'x']]), status: 1,
          protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 4,
        },
      });
      roundTrip({ type: MessageType.ConflictResponse, msg: null });
      assert.equal(hex(encodeMessage({ type: MessageType.ConflictResponse, msg: null })), '06c0');
    });

    it('key response with keys', () => {
      roundTrip({ type: MessageType.KeyResponse, msg: { result: true, message: '', keys: ['a2V5'], primaryKey: 'a2V5' } });
    });

    it('push-pull with events', () => {
      roundTrip({
        type: MessageType.PushPull,
        msg: {
          ltime: 9, statusLTimes: [['a', 3], ['b', 7]], leftMembers: ['b'], eventLTime: 4,
          events: [null, { ltime: 1, events: [{ name: 'e', payload: Uint8Array.from([1, 2]) }, { name: 'f', payload: null }] }],
          queryLTime: 2,
        },
      });
    });

    it('fields are written in Go byte order of their names', () => {
      const b = encodeMessage({ type: MessageType.UserEvent, msg: { ltime: 1, name: 'n', payload: null, cc: false } });
      assert.equal(hex(b), '03' + '84' + 'a24343c2' + 'a54c54696d6501' + 'a44e616d65a16e' + 'a75061796c6f6164c0');
    });
  });

  describe('garbage', () => {
    it('rejects empty input, unknown types and wrong field types with DecodeError', () => {
      for (const h of ['', '0a', 'ff00', '01', '0181a54c54696d65a178', '03c3', '0581a24944cf0000000100000000']) {
        assert.throws(() => decodeMessage(Buffer.from(h, 'hex')), DecodeError, h);
      }
    });

    it('random bytes and mutated captures throw nothing but DecodeError', () => {
      const seeds = serfVectors().filter((v) => v.carrier === 'user').map((v) => Buffer.from(v.hex, 'hex'));
      const mutated = fc
        .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat())
        .map(([b, muts, cut]) => {
          const c = Uint8Array.from(b);
          for (const [i, x] of muts) c[i % c.length] = x;
          return c.subarray(0, cut % (c.length + 1));
        });
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (buf) => {
          try {
            const m = decodeMessage(buf);
            encodeMessage(m); // whatever decodes must encode again
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        }),
        { numRuns: 3000 },
      );
    });
  });
});
