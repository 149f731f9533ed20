import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { decodeFilter, encodeFilter, encodeFilters, goRegexpMatch, passesFilters } from '../../../gossip/serf/filters.js';
import { FilterType } from '../../../gossip/serf/messages.js';
import { decodeMessageOf } from '../../../gossip/serf/codec.js';
import { MessageType } from '../../../gossip/serf/messages.js';
import { hex, vector } from './vectors.js';

describe('serf query filters', () => {
  it('decodes the filters of `serf query -node beta -tag role=d.*` and re-encodes them', () => {
    const q = decodeMessageOf(vector('query-38'), MessageType.Query);
    const fs = q.filters!.map(decodeFilter);
    assert.deepEqual(fs, [
      { type: FilterType.Node, nodes: ['beta'] },
      { type: FilterType.Tag, tag: 'role', expr: 'd.*' },
    ]);
    assert.deepEqual(q.filters!.map(hex), fs.map((f) => hex(encodeFilter(f))));
    assert.deepEqual(encodeFilters(['beta'], new Map([['role', 'd.*']]))!.map(hex), q.filters!.map(hex));
  });

  it('no filters encode as nil', () => {
    assert.equal(encodeFilters([], new Map()), null);
    assert.equal(encodeFilters(undefined, undefined), null);
  });

  it('a member passes only if it is named and every tag regexp matches (unanchored, as Go)', () => {
    const f = encodeFilters(['beta', 'gamma'], new Map([['role', 'd.*'], ['dc', '^east$']]));
    const tags = new Map([['role', 'db'], ['dc', 'east']]);
    assert.equal(passesFilters(f, 'beta', tags), true);
    assert.equal(passesFilters(f, 'alpha', tags), false);
    assert.equal(passesFilters(f, 'beta', new Map([['role', 'db']])), false); // missing tag = ""
    assert.equal(passesFilters(encodeFilters(undefined, new Map([['role', 'b']])), 'x', tags), true); // "db" contains "b"
    assert.equal(passesFilters(encodeFilters(undefined, new Map([['role', '']])), 'x', new Map()), true);
    assert.equal(passesFilters(null, 'x', new Map()), true);
  });

  it('unknown or broken filters and invalid regexps fail the member (Go returns false)', () => {
    assert.equal(passesFilters([Uint8Array.of(7, 0x90)], 'x', new Map()), false);
    assert.equal(passesFilters([Uint8Array.of(0, 0xc1)], 'x', new Map()), false);
    assert.equal(passesFilters(encodeFilters(undefined, new Map([['r', '(']])), 'x', new Map([['r', '(']])), false);
  });

  it('understands the Go flag prefix and \\A \\z, refuses catastrophic patterns', () => {
    assert.equal(goRegexpMatch('(?i)WEB', 'web'), true);
    assert.equal(goRegexpMatch('\\Aweb\\z', 'web'), true);
    assert.equal(goRegexpMatch('\\Aweb\\z', 'web\n'), false);
    assert.equal(goRegexpMatch('(?P<x>w)eb', 'web'), true);
    assert.equal(goRegexpMatch('(a+)+$', 'a'.repeat(40) + 'b'), undefined);
  });

  it('decoding garbage throws DecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodeFilter(b);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
    );
  });
});
