import { strict as assert } from 'node:assert';
import { aliveNames, liveNodes, startCluster } from './sim-helpers.js';

describe('memberlist in the simulator', () => {
  it('5 nodes joining one seed all list 5 alive', async () => {
    const sim = await startCluster({ seed: 1, n: 5 });
    await sim.runFor(5_000);
    for (const n of liveNodes(sim)) assert.equal(aliveNames(n).length, 5, `${n.ml.name}: ${aliveNames(n).join(',')}`);
  });
});
