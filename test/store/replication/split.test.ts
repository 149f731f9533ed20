// Multi-part messages against the capture of three Python DistKV servers: the three parts of a
// 1000-character value reassemble and re-split byte for byte; escapes round-trip; every part we
// make fits Serf's 512-byte event limit; garbage never throws; buffers stay bounded.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { encodeMessage } from '../../../gossip/serf/codec.js';
import { MessageType } from '../../../gossip/serf/messages.js';
import { decode, encode, type Value } from '../../../store/codec.js';
import { Reassembler, SERF_EVENT_LIMIT, Splitter, escapeParts } from '../../../store/replication/split.js';
import { valueArb } from '../codec-arbitraries.js';
import { ManualClock } from './helpers.js';

const CAPTURE = '/work/shared/peers/distkv-py/vectors/raw/events-a.jsonl';

interface Ev {
  name: string;
  ltime: number;
  payload_hex: string;
}

function capturedEvents(): Ev[] {
  return readFileSync(CAPTURE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string } & Ev)
    .filter((e) => e.event === 'user');
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function serfEncodedSize(name: string, payload: Uint8Array): number {
  return encodeMessage({ type: MessageType.UserEvent, msg: { ltime: 2 ** 32 - 1, name, payload, cc: false } }).length;
}

describe('store/replication/split', () => {
  it('reassembles the captured demo.big parts and re-splits them byte for byte', () => {
    const evs = capturedEvents().filter((e) => e.name === ':distkv.update');
    const r = new Reassembler(new ManualClock());
    const whole: Value[] = [];
    const partsOf: Ev[] = [];
    for (const e of evs) {
      const u = r.receive(Buffer.from(e.payload_hex, 'hex'));
      if (u.kind === 'message') {
        whole.push(u.msg);
        // an unsplit message: re-packing gives the same single payload
        if (!partsOf.length || partsOf.length % 3 === 0) {
          const again = new Splitter('x', ':distkv.update').pack(decode(Buffer.from(e.payload_hex, 'hex')));
          if (again.length === 1 && !('_p0' in (decode(Buffer.from(e.payload_hex, 'hex')) as object))) assert.equal(hex(again[0]!), e.payload_hex);
        }
      }
      if (e.payload_hex.startsWith('81a35f7030')) partsOf.push(e);
    }
    assert.equal(r.pending, 0);
    assert.equal(partsOf.length, 6, 'two 3-part messages in the capture');
    const big = whole.find((m) => typeof m === 'object' && m !== null && (m as Record<string, unknown>).path?.toString().includes('big')) as Record<string, unknown>;
    assert.ok(big, 'demo.big arrived whole');
    assert.equal((big.value as string).length, 1000);
    const again = new Splitter('test1', ':distkv.update', 1).pack({ ...big } as Value);
    assert.deepEqual(again.map(hex), partsOf.slice(0, 3).map((e) => e.payload_hex));
  });

  it('the capture: every event of every action unpacks (no garbage, nothing pending)', () => {
    const r = new Reassembler(new ManualClock());
    for (const e of capturedEvents()) assert.notEqual(r.receive(Buffer.from(e.payload_hex, 'hex')).kind, 'dropped');
    assert.equal(r.pending, 0);
  });

  it('escapes real _p keys as python does and restores them', () => {
    const msg = { a: 1, _p0: 'x', _p1: [2], z: true };
    const copy = { ...msg };
    escapeParts(copy);
    assert.deepEqual(Object.keys(copy), ['a', '_p0', '_p1', 'z', '_p2']);
    assert.deepEqual(copy, { a: 1, _p0: '', _p1: 'x', z: true, _p2: [2] });
    const r = new Reassembler(new ManualClock());
    const s = new Splitter('n1', ':distkv.update');
    for (const big of [false, true]) {
      const m = { ...msg, pad: big ? 'y'.repeat(2000) : '' };
      const parts = s.pack({ ...m });
      assert.equal(parts.length > 1, big);
      let out: Value | undefined;
      for (const p of parts) {
        const u = r.receive(p);
        if (u.kind === 'message') out = u.msg;
      }
      assert.deepEqual(out, m);
      assert.deepEqual(Object.keys(out as object), Object.keys(m), 'key order restored');
    }
  });

  it('property: any message, any node name, parts shuffled and duplicated → the same message; every part fits Serf', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), valueArb, { maxKeys: 4 }),
        fc.string({ minLength: 0, maxLength: 3000 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.constantFrom(':distkv', ':distkv.some.longer.root', 'x'),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (dict, pad, node, root, seq, order) => {
          const msg = { ...dict, pad } as Value;
          const want = decode(encode(msg));
          const name = `${root}.update`;
          const parts = new Splitter(node, name, seq).pack(msg);
          for (const p of parts) {
            assert.ok(Buffer.byteLength(name) + p.length <= SERF_EVENT_LIMIT, `name+payload ${p.length}`);
            assert.ok(serfEncodedSize(name, p) <= SERF_EVENT_LIMIT, `encoded ${serfEncodedSize(name, p)}`);
          }
          const feed = [...parts];
          for (const i of order) feed.push(parts[i % parts.length]!);
          // arrival order: rotated by the first draw, duplicates at the end
          const k = order.length ? order[0]! % feed.length : 0;
          const arrival = [...feed.slice(k), ...feed.slice(0, k)];
          const r = new Reassembler(new ManualClock());
          const got: Value[] = [];
          for (const p of arrival) {
            const u = r.receive(p);
            if (u.kind === 'message') got.push(u.msg);
            assert.notEqual(u.kind, 'dropped');
          }
          assert.ok(got.length >= 1);
          assert.deepEqual(got[0], want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('garbage never throws and never completes a message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = new Reassembler(new ManualClock());
        const u = r.receive(b);
        assert.ok(['message', 'partial', 'dropped'].includes(u.kind));
      }),
      { numRuns: 500 },
    );
    const r = new Reassembler(new ManualClock());
    for (const bad of [{ _p0: 5 }, { _p0: ['a', 1, 0, new Uint8Array(1)] }, { _p0: ['a', 1.5, 1, new Uint8Array(1)] }, { _p0: ['a', 1, 1, 'str'] }, { _p0: [1, 1, 1, new Uint8Array(1)] }])
      assert.equal(r.receive(encode(bad as Value)).kind, 'dropped');
    // a complete group whose bytes are not msgpack
    assert.equal(r.receive(encode({ _p0: ['a', 7, -1, new Uint8Array([0xc1])] })).kind, 'dropped');
  });

  it('unfinished messages are bounded and expire', () => {
    const clock = new ManualClock();
    const r = new Reassembler(clock, { maxGroups: 10, maxParts: 100, maxBytes: 5000, timeoutMs: 1000 });
    for (let i = 0; i < 50; i++) r.receive(encode({ _p0: ['a', i, 1, new Uint8Array(300)] }));
    assert.ok(r.pending <= 10, `pending ${r.pending}`);
    clock.advance(2000);
    r.receive(encode({ _p0: ['b', 1, 1, new Uint8Array(1)] }));
    assert.equal(r.pending, 1);
    assert.equal(r.receive(encode({ _p0: ['b', 2, 101, new Uint8Array(1)] })).kind, 'dropped');
    // a restarted sender re-using (node, seq): the stale half expired, the new message completes
    clock.advance(2000);
    const parts = new Splitter('b', ':distkv.update', 1).pack({ v: 'q'.repeat(900) });
    let done = false;
    for (const p of parts) done = r.receive(p).kind === 'message' || done;
    assert.ok(done);
  });
});
