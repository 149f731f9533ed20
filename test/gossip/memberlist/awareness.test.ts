import { strict as assert } from 'node:assert';
import { Awareness } from '../../../gossip/memberlist/awareness.js';

describe('memberlist awareness (Lifeguard local health)', () => {
  it('score stays within [0, max-1] and scales timeouts by score+1', () => {
    const a = new Awareness(8);
    assert.equal(a.scaleTimeout(1000), 1000);
    a.applyDelta(-1);
    assert.equal(a.healthScore(), 0);
    a.applyDelta(3);
    assert.equal(a.healthScore(), 3);
    assert.equal(a.scaleTimeout(1000), 4000);
    a.applyDelta(100);
    assert.equal(a.healthScore(), 7);
    assert.equal(a.scaleTimeout(500), 4000);
    a.applyDelta(-10);
    assert.equal(a.healthScore(), 0);
  });
});
