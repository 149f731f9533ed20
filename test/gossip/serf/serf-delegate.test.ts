// The memberlist-facing side of a Serf node: garbage never escapes as an exception and never
// changes who is a member; real captured messages are applied.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import { serfVectors, vector } from './vectors.js';
import { nodeName, runUntil, startSerfCluster } from './sim-helpers.js';

describe('serf delegate (memberlist hooks)', function () {
  this.timeout(60_000);

  it('random and mutated messages/states: no exception, membership unchanged', async () => {
    const sim = await startSerfCluster({ seed: 'serf-fuzz', n: 3 });
    assert.ok(await runUntil(sim, () => sim.node(nodeName(0))!.serf.members().filter((m) => m.status === MemberStatus.Alive).length === 3, 20_000));
    const serf = sim.node(nodeName(0))!.serf;
    const d = serf.memberlist.delegates.delegate!;
    const view = () => JSON.stringify(serf.members().map((m) => [m.name, m.status, [...m.tags]]));
    const before = view();
    const seeds = serfVectors()
      .filter((v) => v.carrier !== 'memberlist-2' && v.serfType !== 'join' && v.serfType !== 'leave')
      .map((v) => Buffer.from(v.hex, 'hex'));
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([b, muts]) => {
        const c = Uint8Array.from(b);
        for (const [i, x] of muts) c[1 + (i % (c.length - 1))] = x; // keep the type byte
        return c;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), mutated), fc.boolean(), (buf, asState) => {
        if (asState) d.mergeRemoteState(buf, false);
        else d.notifyMsg(buf);
      }),
      { numRuns: 1500 },
    );
    await sim.runFor(2_000);
    assert.equal(view(), before);
    assert.ok((d as unknown as { decodeErrors: number }).decodeErrors > 0);
  });

  it('applies a user event and a leave intent captured from real agents', async () => {
    const sim = await startSerfCluster({ seed: 'serf-captured', n: 1 });
    await sim.runFor(1_000);
    const node = sim.node(nodeName(0))!;
    const d = node.serf.memberlist.delegates.delegate!;
    d.notifyMsg(vector('userEvent-12'));
    d.notifyMsg(vector('userEvent-12'));
    assert.deepEqual(node.userEvents(), ['deploy:v1.2.3']);
    assert.equal(node.serf.queues.events.numQueued(), 1); // re-gossiped once
    d.notifyMsg(vector('leave-76')); // about "beta", unknown here: buffered as an intent
    assert.equal(node.serf.memberTable.intents.size, 1);
    d.mergeRemoteState(vector('pushPull-94'), true);
    assert.equal(node.serf.clock.time() >= 2, true);
  });
});
