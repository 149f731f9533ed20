import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { LamportClock } from '../../../gossip/serf/lamport.js';

describe('serf Lamport clock', () => {
  it('increments and witnesses as Go does (Go TestLamportClock)', () => {
    const l = new LamportClock();
    assert.equal(l.time(), 0);
    assert.equal(l.increment(), 1);
    assert.equal(l.time(), 1);
    l.witness(41);
    assert.equal(l.time(), 42);
    l.witness(41);
    assert.equal(l.time(), 42);
    l.witness(30);
    assert.equal(l.time(), 42);
    l.witness(42); // equal to ours: still moves one past it
    assert.equal(l.time(), 43);
  });

  it('never goes backwards and ends past every witnessed time', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(1000))), (ops) => {
        const l = new LamportClock();
        let prev = 0;
        let maxSeen = -1;
        for (const op of ops) {
          if (op < 0) l.increment();
          else {
            l.witness(op);
            maxSeen = Math.max(maxSeen, op);
          }
          assert.ok(l.time() >= prev);
          prev = l.time();
        }
        assert.ok(l.time() > maxSeen);
      }),
    );
  });
});
