// The packet path of a live node under garbage: random bytes and mutated valid packets must
// never escape as anything but a counted DecodeError, and must not change membership (plaintext
// mutations keep the message type, so they cannot be membership messages; encrypted packets
// may be mutated anywhere, since authentication must reject them all).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { encodeMessage } from '../../../gossip/memberlist/codec.js';
import { makeCompound } from '../../../gossip/memberlist/compound.js';
import { Keyring } from '../../../gossip/memberlist/keyring.js';
import { compressMessage } from '../../../gossip/memberlist/packet.js';
import { encryptPayload } from '../../../gossip/memberlist/security.js';
import type { Addr } from '../../../gossip/runtime.js';
import { lanConfig } from '../../../gossip/memberlist/config.js';
import { Memberlist } from '../../../gossip/memberlist/memberlist.js';
import { Simulation, type SimRuntime } from '../../../sim/simulation.js';
import { aliveNames, liveNodes, MLNode, runUntil, startCluster } from './sim-helpers.js';

function snapshot(n: MLNode): string {
  return JSON.stringify(n.ml.allNodes().map((x) => [x.name, x.state, x.port, Buffer.from(x.addr).toString('hex'), Buffer.from(x.meta).toString('hex')]).sort());
}

function validPackets(from: Addr): Uint8Array[] {
  const src = { sourceAddr: Uint8Array.from(from.host.split('.').map(Number)), sourcePort: from.port, sourceNode: 'n001' };
  const ping = encodeMessage({ type: 'ping', seqNo: 77, node: 'n000', ...src });
  const ack = encodeMessage({ type: 'ack', seqNo: 12, payload: Uint8Array.from([1, 2, 3]) });
  const nack = encodeMessage({ type: 'nack', seqNo: 12 });
  const ind = encodeMessage({ type: 'indirectPing', seqNo: 5, target: Uint8Array.from([10, 0, 0, 9]), port: 7946, node: 'n002', nack: true, ...src });
  return [ping, ack, nack, ind];
}

describe('memberlist packet path under garbage', function () {
  this.timeout(60_000);

  it('random bytes and type-preserving mutations never throw nor change membership', async () => {
    const sim = await startCluster({ seed: 'fuzz', n: 3 });
    await runUntil(sim, () => liveNodes(sim).every((n) => aliveNames(n).length === 3), 10_000);
    const target = sim.node('n000')!;
    const from = sim.addrOf('n001');
    const before = snapshot(target);
    const packets = validPackets(from);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 1500 }),
          fc.record({
            base: fc.integer({ min: 0, max: packets.length - 1 }),
            wrap: fc.constantFrom('plain', 'compound', 'compress'),
            flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
            cut: fc.option(fc.nat()),
          }),
        ),
        (input) => {
          let bytes: Uint8Array;
          if (input instanceof Uint8Array) {
            // Random bytes starting with a membership type could be a legal alive/dead: steer clear.
            bytes = input.length > 0 && [3, 4, 5, 6].includes(input[0]!) ? Uint8Array.from([0, ...input]) : input;
          } else {
            const p = packets[input.base]!.slice();
            for (const [pos, x] of input.flips) if (p.length > 1) p[1 + (pos % (p.length - 1))]! ^= x;
            const cut = input.cut === null ? p : p.subarray(0, Math.max(1, input.cut % (p.length + 1)));
            bytes = input.wrap === 'compound' ? makeCompound([cut, packets[0]!]) : input.wrap === 'compress' ? compressMessage(cut) : cut;
          }
          target.ml.net.ingest(from, bytes);
          assert.equal(snapshot(target), before);
        },
      ),
      { numRuns: 2000, seed: 4242 },
    );
    const crashes = sim.log.records.filter((r) => r.node === 'n000' && r.message === 'packet handler failed');
    assert.deepEqual(crashes, []);
    assert.ok(target.ml.net.stats.decodeErrors > 0);
    // Still healthy afterwards.
    await sim.runFor(5_000);
    for (const n of liveNodes(sim)) assert.equal(aliveNames(n).length, 3);
  });

  it('an encrypted node rejects every mutated or foreign-key packet', async () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const sim = await startCluster({ seed: 'fuzz-enc', n: 3, keyring: () => new Keyring(key) });
    await runUntil(sim, () => liveNodes(sim).every((n) => aliveNames(n).length === 3), 10_000);
    const target = sim.node('n000')!;
    const from = sim.addrOf('n001');
    const before = snapshot(target);
    // A fully valid alive for a new node, encrypted: mutations anywhere must all be rejected.
    const aliveEvil = encodeMessage({ type: 'alive', incarnation: 1, node: 'evil', addr: Uint8Array.from([10, 6, 6, 6]), port: 1, meta: null, vsn: [1, 5, 2, 2, 5, 4] });
    const sealed = encryptPayload(1, key, aliveEvil, new Uint8Array(12).fill(3));
    const foreign = encryptPayload(1, new Uint8Array(32).fill(9), aliveEvil, new Uint8Array(12).fill(3));
    const errorsBefore = target.ml.net.stats.decryptErrors;
    target.ml.net.ingest(from, foreign);
    target.ml.net.ingest(from, aliveEvil); // plaintext into an encrypted cluster
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const p = sealed.slice();
        for (const [pos, x] of flips) p[pos % p.length]! ^= x;
        target.ml.net.ingest(from, p);
        assert.equal(snapshot(target), before);
      }),
      { numRuns: 500, seed: 7 },
    );
    assert.ok(target.ml.net.stats.decryptErrors >= errorsBefore + 2 + 500 - 10);
    // The unmutated one does get in: the test would be vacuous otherwise.
    target.ml.net.ingest(from, sealed);
    assert.ok(target.ml.node('evil'));
  });

  it('many tiny user broadcasts go out in compounds of at most 127 parts (Go misreads 128+), all delivered', async () => {
    const received: string[] = [];
    let pending = Array.from({ length: 300 }, (_, i) => Buffer.from(`m${i}`));
    const sim = new Simulation<MLNode>({ seed: 'parts', log: { level: 'warn' } });
    let maxParts = 0;
    const factory = (rt: SimRuntime) => {
      const send = rt.packets.sendTo.bind(rt.packets);
      rt.packets.sendTo = (to, bytes) => {
        if (bytes[0] === 7) maxParts = Math.max(maxParts, bytes[1]!);
        send(to, bytes);
      };
      const cfg = lanConfig(rt.name);
      cfg.enableCompression = false;
      const ml = Memberlist.create(rt, {
        config: cfg,
        delegates: {
          delegate: {
            nodeMeta: () => new Uint8Array(0),
            notifyMsg: (m) => void received.push(Buffer.from(m).toString()),
            getBroadcasts: (overhead, limit) => {
              if (rt.name !== 'a') return [];
              const out: Uint8Array[] = [];
              let used = 0;
              while (pending.length && used + pending[0]!.length + overhead <= limit) {
                used += pending[0]!.length + overhead;
                out.push(pending.shift()!);
              }
              return out;
            },
            localState: () => new Uint8Array(0),
            mergeRemoteState: () => {},
          },
        },
      });
      if (rt.name === 'b') void ml.join([`${rt.addrOf('a').host}:${rt.addrOf('a').port}`]);
      return new MLNode(ml);
    };
    await sim.addNode('a', factory);
    await sim.addNode('b', factory);
    await sim.runFor(3_000);
    assert.equal(pending.length, 0);
    assert.equal(new Set(received).size, 300);
    assert.ok(maxParts > 100 && maxParts <= 127, `max parts ${maxParts}`);
    pending = [];
  });
});

