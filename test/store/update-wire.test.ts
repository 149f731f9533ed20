// Incoming updates and info messages are untrusted: garbage is a DecodeError and leaves the
// store exactly as it was; both update forms decode to the same thing.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../gossip/decode-error.js';
import { NOT_GIVEN } from '../../store/entry.js';
import { Path } from '../../store/path.js';
import { Store } from '../../store/store.js';
import { parseUpdate, updateToWire } from '../../store/update-wire.js';
import { P, snapshot } from './model-helpers.js';

function base(): Store {
  const s = new Store('me');
  s.markReady();
  s.setValue(P('a'), 1);
  s.setValue(P('a.b'), 'x');
  return s;
}

const good = { node: 'w', tick: 3, prev: { node: 'v', tick: 1, prev: null }, path: Path.of('a'), value: 5, tock: 99 };

/** Replace one field of a valid message with an arbitrary value (or drop it). */
const mutated = fc.record({
  field: fc.constantFrom('node', 'tick', 'prev', 'path', 'value', 'tock', 'chain'),
  value: fc.oneof(fc.anything(), fc.constant(undefined)),
});

describe('store/update-wire', () => {
  it('broadcast form and entry form decode alike; a chain key wins over top-level node/tick', () => {
    const intern = (name: string) => ({ name });
    const a = parseUpdate(good, intern);
    const b = parseUpdate({ path: Path.of('a'), value: 5, chain: { node: 'w', tick: 3, prev: { node: 'v', tick: 1, prev: null } }, tock: 99, node: 'resender', tick: 77 }, intern);
    assert.deepEqual(b, a);
    assert.equal(parseUpdate({ ...good, value: undefined, path: ['a'] }, intern).value, undefined);
    const del = { ...good } as Record<string, unknown>;
    delete del.value;
    assert.equal(parseUpdate(del, intern).value, NOT_GIVEN);
    assert.deepEqual(Object.keys(updateToWire(a.chain, a.path, a.value, 99)), ['node', 'tick', 'prev', 'path', 'value', 'tock']);
  });

  it('garbage updates throw DecodeError only and change nothing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), mutated.map(({ field, value }) => ({ ...good, [field]: value }))), (msg) => {
        const s = base();
        const before = snapshot(s);
        const nodes = [...s.nodes()].length;
        try {
          s.applyUpdate(msg);
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
          assert.deepEqual(snapshot(s), before);
          assert.equal([...s.nodes()].length, nodes);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('garbage info messages throw DecodeError only and change nothing', () => {
    const field = fc.constantFrom('ticks', 'nodes', 'missing', 'known', 'superseded', 'deleted', 'remote_missing', 'node_drop');
    fc.assert(
      fc.property(fc.dictionary(field, fc.anything()), fc.boolean(), (msg, broadcast) => {
        const s = base();
        const before = snapshot(s);
        try {
          s.applyInfo(msg, { broadcast });
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
          assert.deepEqual(snapshot(s), before);
        }
      }),
      { numRuns: 500 },
    );
  });
});
