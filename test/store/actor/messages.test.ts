import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import {
  DISTKV_DELETE_CONFIG,
  DISTKV_PING_CONFIG,
  makeConfig,
  parseActorMessage,
  versMessage,
  type ActorMessage,
} from '../../../store/actor/messages.js';
import { decode } from '../../../store/codec-decode.js';
import { encode } from '../../../store/codec-encode.js';
import { pyFloat } from '../../../store/codec-value.js';
import { packr } from './harness.js';
import { loadCapture } from './vectors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Rebuilds a message from its fields the way the actor builds the ones it sends. */
function rebuild(m: ActorMessage): ActorMessage {
  switch (m.t) {
    case 'init':
      return { t: 'init', node: m.node };
    case 'ping':
      return { t: 'ping', node: m.node, value: m.value, history: [...m.history] };
    case 'hist':
      return { t: 'hist', value: m.value, history: [...m.history] };
    case 'vers':
      return versMessage(m.node, makeConfig({ cycle: m.cycle, gap: m.gap, nodes: m.nodes, splits: m.splits, n_hosts: m.n_hosts, version: m.version, force_in: m.force_in }));
  }
}

describe('store/actor/messages', () => {
  const captured = [...loadCapture('a'), ...loadCapture('b'), ...loadCapture('c')];

  it('parses every captured Python actor message and re-encodes it byte for byte', () => {
    const kinds = new Set<string>();
    for (const ev of captured) {
      const m = parseActorMessage(ev.payload);
      kinds.add(m.t);
      assert.equal(hex(packr.pack(rebuild(m))), hex(ev.bytes), `${ev.name} ltime ${ev.ltime}`);
    }
    assert.deepEqual([...kinds].sort(), ['hist', 'init', 'ping', 'vers']);
  });

  it('DistKV\'s two actor configs produce exactly the captured vers messages', () => {
    const ping = captured.find((e) => e.name === ':distkv.ping' && e.payload['t'] === 'vers' && e.payload['node'] === 'test1')!;
    const del = captured.find((e) => e.name === ':distkv.del' && e.payload['t'] === 'vers' && e.payload['node'] === 'test1')!;
    assert.equal(hex(packr.pack(versMessage('test1', makeConfig(DISTKV_PING_CONFIG)))), hex(ping.bytes));
    assert.equal(hex(packr.pack(versMessage('test1', makeConfig(DISTKV_DELETE_CONFIG)))), hex(del.bytes));
  });

  it('config verification: cycle >= 1, gap >= 0, cycle >= 3*gap', () => {
    assert.throws(() => makeConfig({ cycle: 0.5, gap: 0 }), RangeError);
    assert.throws(() => makeConfig({ cycle: 10, gap: -1 }), RangeError);
    assert.throws(() => makeConfig({ cycle: 10, gap: 4 }), RangeError);
    assert.deepEqual(makeConfig({ cycle: 9, gap: 3 }).cycle, 9);
  });

  it('a vers keeps unknown keys and the originator, so an adopted config is re-sent verbatim', () => {
    const m = parseActorMessage({ t: 'vers', node: 'x', cycle: 10, gap: 2, nodes: 5, splits: 4, n_hosts: 10, version: 3, force_in: 0, extra: 1 });
    assert.equal((m as unknown as Record<string, unknown>)['extra'], 1);
    assert.equal(m.t === 'vers' && m.node, 'x');
  });

  it('accepts configs decoded by store/codec (integral Python floats arrive boxed as PyFloat)', () => {
    const payload = decode(encode({ t: 'vers', node: 'p', cycle: pyFloat(10), gap: pyFloat(2), nodes: 5, splits: 4, n_hosts: 10, version: 3, force_in: 0 }));
    const m = parseActorMessage(payload);
    assert.ok(m.t === 'vers' && m.cycle === 10 && m.gap === 2 && m.version === 3);
    // Every captured message survives store/codec's decoder, and the message the actor builds
    // from it encodes (with store/codec, as the replica sends) to Python's exact bytes.
    for (const ev of captured) {
      const m = rebuild(parseActorMessage(decode(ev.bytes)));
      assert.equal(hex(encode(m as unknown as Parameters<typeof encode>[0])), hex(ev.bytes), `${ev.name} ltime ${ev.ltime}`);
    }
  });

  it('rejects malformed messages with DecodeError', () => {
    const bad: unknown[] = [
      null,
      42,
      [1, 2],
      new Uint8Array(3),
      {},
      { t: 'nope', node: 'a' },
      { t: 'init' },
      { t: 'init', node: '' },
      { t: 'ping', node: 7, value: null, history: [] },
      { t: 'ping', node: 'a', value: null, history: 'a' },
      { t: 'ping', node: 'a', value: null, history: ['a', 3] },
      { t: 'hist', value: null, history: [] },
      { t: 'vers', node: 'a', cycle: 'x', gap: 2, nodes: 5, splits: 4, n_hosts: 10 },
      { t: 'vers', node: 'a', cycle: 10, gap: 2, nodes: 5.5, splits: 4, n_hosts: 10 },
      { t: 'vers', node: 'a', cycle: 0, gap: 2, nodes: 5, splits: 4, n_hosts: 10 },
      { t: 'vers', node: 'a', cycle: 10, gap: 2, nodes: 5, splits: 0, n_hosts: 10 },
    ];
    for (const b of bad) assert.throws(() => parseActorMessage(b), DecodeError, JSON.stringify(b));
  });

  it('fuzz: any decoded value either parses or throws DecodeError', () => {
    const field = fc.oneof(fc.constantFrom('init', 'vers', 'ping', 'hist'), fc.anything());
    const msgLike = fc.record(
      { t: field, node: fc.oneof(fc.string(), fc.anything()), value: fc.anything(), history: fc.oneof(fc.array(fc.string()), fc.anything()), cycle: fc.anything(), gap: fc.anything(), nodes: fc.anything(), splits: fc.anything(), n_hosts: fc.anything(), version: fc.anything() },
      { requiredKeys: ['t'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), msgLike), (x) => {
        try {
          parseActorMessage(x);
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
        }
      }),
      { numRuns: 5000 },
    );
  });
});
