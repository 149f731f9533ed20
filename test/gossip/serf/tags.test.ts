import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeTags, encodeTags } from '../../../gossip/serf/tags.js';
import { hex } from './vectors.js';

const h = (s: string) => Buffer.from(s, 'hex');

describe('serf tags in node metadata', () => {
  it('decodes metadata seen on the wire (from the captured alive/push-pull states)', () => {
    // alpha -tag role=web -tag dc=east (Go wrote its map in random order: role first here)
    assert.deepEqual(decodeTags(h('ff82a4726f6c65a3776562a26463a465617374')), new Map([['role', 'web'], ['dc', 'east']]));
    // beta after `serf tags -set version=2 -delete role`
    assert.deepEqual(decodeTags(h('ff81a776657273696f6ea132')), new Map([['version', '2']]));
    // gamma at -protocol=2 -role=legacy: the old role-only form, raw bytes
    assert.deepEqual(decodeTags(h('6c6567616379')), new Map([['role', 'legacy']]));
    assert.deepEqual(decodeTags(new Uint8Array(0)), new Map([['role', '']]));
  });

  it('encodes with the magic byte and keys sorted; role-only below protocol 3', () => {
    const tags = new Map([['role', 'web'], ['dc', 'east']]);
    assert.equal(hex(encodeTags(tags)), 'ff82a26463a465617374a4726f6c65a3776562');
    assert.equal(hex(encodeTags(tags, 2)), hex(Buffer.from('web')));
    assert.equal(hex(encodeTags(new Map())), 'ff80');
  });

  it('never throws: undecodable maps give no tags and report the error', () => {
    let errors = 0;
    assert.deepEqual(decodeTags(h('ff82a1'), () => errors++), new Map());
    assert.equal(errors, 1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
        decodeTags(Uint8Array.of(0xff, ...b));
      }),
    );
  });

  it('round-trips any string map', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (d) => {
        const m = new Map(Object.entries(d));
        assert.deepEqual(decodeTags(encodeTags(m)), new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
      }),
    );
  });
});
