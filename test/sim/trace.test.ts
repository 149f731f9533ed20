import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { floodCoverage } from '../../sim/flood-protocol.js';
import { FloodNode } from '../../sim/flood.js';
import { parseScenario, runScenario } from '../../sim/scenario.js';
import { Simulation } from '../../sim/simulation.js';
import { Trace, TraceKind } from '../../sim/trace.js';

describe('sim/trace', () => {
  it('the hash depends on every field of every record, and on their order', () => {
    const base = (): Trace => {
      const t = new Trace();
      t.record(TraceKind.Packet, 1.5, 1, 2, Uint8Array.of(1, 2, 3));
      t.record(TraceKind.Packet, 2, 2, 1, Uint8Array.of(4));
      return t;
    };
    const h = base().hex();
    assert.equal(base().hex(), h);
    const variants: ((t: Trace) => void)[] = [
      (t) => t.record(TraceKind.Packet, 2, 2, 1, Uint8Array.of(4)),
      (t) => t.recordText(3, 'x'),
    ];
    for (const v of variants) {
      const t = base();
      v(t);
      assert.notEqual(t.hex(), h);
    }
    const changed = [
      [TraceKind.PacketDrop, 1.5, 1, 2, [1, 2, 3]],
      [TraceKind.Packet, 1.5000001, 1, 2, [1, 2, 3]],
      [TraceKind.Packet, 1.5, 3, 2, [1, 2, 3]],
      [TraceKind.Packet, 1.5, 1, 3, [1, 2, 3]],
      [TraceKind.Packet, 1.5, 1, 2, [1, 2, 4]],
      [TraceKind.Packet, 1.5, 1, 2, [1, 2, 3, 0]],
    ] as const;
    const seen = new Set([h]);
    for (const [k, t0, f, to, b] of changed) {
      const t = new Trace();
      t.record(k, t0, f, to, Uint8Array.from(b));
      t.record(TraceKind.Packet, 2, 2, 1, Uint8Array.of(4));
      assert.ok(!seen.has(t.hex()), `collision for ${JSON.stringify([k, t0, f, to, b])}`);
      seen.add(t.hex());
    }
    const swapped = new Trace();
    swapped.record(TraceKind.Packet, 2, 2, 1, Uint8Array.of(4));
    swapped.record(TraceKind.Packet, 1.5, 1, 2, Uint8Array.of(1, 2, 3));
    assert.notEqual(swapped.hex(), h);
  });
});

describe('sim/scenarios (examples)', () => {
  const dir = join('sim', 'scenarios');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    it(`${f} parses, runs deterministically and the flood protocol converges after it`, async () => {
      const sc = parseScenario(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      const once = async () => {
        const sim = new Simulation<FloodNode>({ seed: f });
        let checks = 0;
        sim.every(1000, () => {
          checks++;
          for (const n of sim.upNames()) assert.ok(sim.node(n)!.known.size >= sim.node(n)!.published.length);
        });
        await runScenario(sim, sc, { factory: (rt) => new FloodNode(rt, { publishUntilMs: sc.durationMs - 20_000, syncEveryMs: 1000 }) });
        assert.equal(checks, Math.floor(sc.durationMs / 1000));
        return sim;
      };
      const a = await once();
      const b = await once();
      assert.equal(a.traceHash(), b.traceHash());
      assert.ok(floodCoverage(a).complete);
    });
  }
});
