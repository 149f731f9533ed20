// fast-check arbitraries for scenarios, and a property runner whose failure message says how to
// replay the exact failing case (seed + path), plus the shrunk scenario as JSON.
// Test-only (fast-check is a dev dependency); nothing on the CLI's path imports this file.
import fc from 'fast-check';
import { nodeNames, type Scenario, type Step } from './scenario.js';

export interface ScenarioArbOptions {
  nodes: number;
  /** Steps happen in [0, activeMs). */
  activeMs: number;
  maxSteps?: number;
  /** Custom action names that may appear (each applied to one node). */
  actions?: string[];
}

export function stepArb(o: ScenarioArbOptions): fc.Arbitrary<Step> {
  const names = nodeNames(o.nodes);
  const at = fc.integer({ min: 0, max: Math.max(0, o.activeMs - 1) });
  const node = fc.constantFrom(...names);
  const kinds: fc.Arbitrary<Step>[] = [
    fc.record({ at, split: fc.subarray(names, { minLength: 1, maxLength: Math.max(1, names.length - 1) }), oneWay: fc.boolean() }).map(
      ({ at, split, oneWay }): Step => ({ at, op: 'partition', groups: [split, names.filter((n) => !split.includes(n))], oneWay }),
    ),
    at.map((at): Step => ({ at, op: 'heal' })),
    fc.record({ at, loss: fc.double({ min: 0, max: 0.5, noNaN: true }) }).map(({ at, loss }): Step => ({ at, op: 'link', loss })),
    fc.record({ at, n: node }).map(({ at, n }): Step => ({ at, op: 'crash', nodes: [n] })),
    fc.record({ at, n: node }).map(({ at, n }): Step => ({ at, op: 'restart', nodes: [n] })),
    fc.record({ at, n: node, forMs: fc.integer({ min: 1, max: 5000 }) }).map(({ at, n, forMs }): Step => ({ at, op: 'pause', nodes: [n], forMs })),
    fc.record({ at, n: node }).map(({ at, n }): Step => ({ at, op: 'resume', nodes: [n] })),
  ];
  for (const name of o.actions ?? []) kinds.push(fc.record({ at, n: node }).map(({ at, n }): Step => ({ at, op: 'action', name, nodes: [n] })));
  return fc.oneof(...kinds);
}

/** A scenario of up to maxSteps random faults in the active window (not yet healed). */
export function scenarioArb(o: ScenarioArbOptions): fc.Arbitrary<Scenario> {
  return fc
    .array(stepArb(o), { maxLength: o.maxSteps ?? 12 })
    .map((steps): Scenario => ({ nodes: o.nodes, durationMs: o.activeMs, steps: [...steps].sort((a, b) => a.at - b.at) }));
}

/** Appends "heal everything at healAtMs" (partitions, loss, pauses) and a quiet period. */
export function settle(s: Scenario, healAtMs: number, quietMs: number): Scenario {
  const all = typeof s.nodes === 'number' ? nodeNames(s.nodes) : s.nodes;
  return {
    ...s,
    durationMs: healAtMs + quietMs,
    steps: [
      ...s.steps,
      { at: healAtMs, op: 'heal' },
      { at: healAtMs, op: 'link', loss: 0, duplicate: 0, reorder: 0 },
      { at: healAtMs, op: 'resume', nodes: all },
    ],
  };
}

/**
 * Runs an async property over `arb`; on failure throws an error carrying the seed, the path and
 * the shrunk counterexample. SIM_SEED / SIM_PATH in the environment replay one exact case.
 */
export async function assertProperty<T>(
  arb: fc.Arbitrary<T>,
  check: (v: T) => Promise<void>,
  params: { numRuns?: number; seed?: number; path?: string; quiet?: boolean } = {},
): Promise<void> {
  const seed = params.seed ?? (process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : undefined);
  const path = params.path ?? process.env.SIM_PATH;
  const details = await fc.check(fc.asyncProperty(arb, check), {
    numRuns: params.numRuns ?? 20,
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined ? { path } : {}),
  });
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
  const msg = [
    `property failed after ${details.numRuns} runs (shrunk ${details.numShrinks} times)`,
    `replay: SIM_SEED=${details.seed} SIM_PATH=${details.counterexamplePath ?? ''} (fast-check seed ${details.seed}, path "${details.counterexamplePath ?? ''}")`,
    `counterexample: ${JSON.stringify(details.counterexample)}`,
    `cause: ${cause}`,
  ].join('\n');
  if (!params.quiet) console.error(msg);
  throw new PropertyFailure(msg, details.seed, details.counterexamplePath ?? '', details.counterexample);
}

export class PropertyFailure extends Error {
  override name = 'PropertyFailure';
  constructor(
    message: string,
    readonly seed: number,
    readonly path: string,
    readonly counterexample: unknown,
  ) {
    super(message);
  }
}
