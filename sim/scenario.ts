// Scenarios as data: a JSON-able list of timed steps (start, partition, heal, loss, crash,
// restart, pause, custom actions) and a runner that applies them at their virtual times. Being
// data, a scenario can be saved to a file, replayed by `distkv sim --scenario`, and generated and
// shrunk by fast-check (scenario-arb.ts).
import type { LinkConfig } from './links.js';
import type { NodeFactory, SimNode, Simulation } from './simulation.js';

export type Step = { at: number } & (
  | { op: 'start' | 'stop' | 'crash' | 'restart' | 'resume'; nodes: string[] }
  | { op: 'pause'; nodes: string[]; forMs?: number }
  | { op: 'partition'; groups: string[][]; oneWay?: boolean }
  | { op: 'heal' }
  | ({ op: 'link'; from?: string[]; to?: string[]; oneWay?: boolean } & Partial<LinkConfig>)
  | { op: 'action'; name: string; nodes?: string[]; args?: unknown }
);

export interface Scenario {
  name?: string;
  /** Node names, or a count (named n1..nN). */
  nodes: number | string[];
  /** Virtual time the run lasts. */
  durationMs: number;
  /** Start every node at time 0 (default true); otherwise only 'start' steps start them. */
  startAll?: boolean;
  steps: Step[];
}

/** A custom step: protocol-specific work (publish a message, write a key...). */
export type Action<N extends SimNode> = (sim: Simulation<N>, step: Extract<Step, { op: 'action' }>) => void | Promise<void>;

export function nodeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

export function scenarioNodes(s: Scenario): string[] {
  return typeof s.nodes === 'number' ? nodeNames(s.nodes) : s.nodes;
}

const LINK_KEYS = ['latencyMs', 'jitterMs', 'loss', 'duplicate', 'reorder', 'reorderDelayMs'] as const;

/** "1.5s", "200ms", "2m" or a number of milliseconds. */
export function toMs(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
    if (m) return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms']!;
  }
  throw new Error(`${what}: expected a duration (ms number or "1.5s"), got ${JSON.stringify(v)}`);
}

function names(v: unknown, what: string, known: Set<string>): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error(`${what}: expected node names`);
  for (const n of list) if (!known.has(n)) throw new Error(`${what}: unknown node ${n}`);
  return list as string[];
}

/** Validates parsed JSON into a Scenario, with errors that say which step is wrong. */
export function parseScenario(json: unknown): Scenario {
  if (typeof json !== 'object' || json === null) throw new Error('scenario: expected an object');
  const o = json as Record<string, unknown>;
  const nodes = o.nodes;
  if (!(typeof nodes === 'number' && Number.isInteger(nodes) && nodes > 0) && !(Array.isArray(nodes) && nodes.every((n) => typeof n === 'string'))) {
    throw new Error('scenario.nodes: expected a positive count or a list of names');
  }
  const s: Scenario = {
    name: typeof o.name === 'string' ? o.name : undefined,
    nodes: nodes as number | string[],
    durationMs: toMs(o.durationMs ?? o.duration ?? 60_000, 'scenario.duration'),
    startAll: o.startAll === undefined ? true : Boolean(o.startAll),
    steps: [],
  };
  const known = new Set(scenarioNodes(s));
  if (!Array.isArray(o.steps)) throw new Error('scenario.steps: expected a list');
  o.steps.forEach((raw, i) => {
    const what = `scenario.steps[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new Error(`${what}: expected an object`);
    const r = raw as Record<string, unknown>;
    const at = toMs(r.at, `${what}.at`);
    const nodeList = (k: string) => names(r[k] ?? r.node, `${what}.${k}`, known);
    switch (r.op) {
      case 'start':
      case 'stop':
      case 'crash':
      case 'restart':
      case 'resume':
        s.steps.push({ at, op: r.op, nodes: nodeList('nodes') });
        break;
      case 'pause':
        s.steps.push({ at, op: 'pause', nodes: nodeList('nodes'), forMs: r.forMs === undefined ? undefined : toMs(r.forMs, `${what}.forMs`) });
        break;
      case 'partition': {
        if (!Array.isArray(r.groups) || r.groups.length < 2) throw new Error(`${what}.groups: expected two or more groups`);
        s.steps.push({ at, op: 'partition', groups: r.groups.map((g, j) => names(g, `${what}.groups[${j}]`, known)), oneWay: Boolean(r.oneWay) });
        break;
      }
      case 'heal':
        s.steps.push({ at, op: 'heal' });
        break;
      case 'link': {
        const step: Extract<Step, { op: 'link' }> = { at, op: 'link' };
        if (r.from !== undefined) step.from = names(r.from, `${what}.from`, known);
        if (r.to !== undefined) step.to = names(r.to, `${what}.to`, known);
        if (r.oneWay !== undefined) step.oneWay = Boolean(r.oneWay);
        for (const k of LINK_KEYS) if (r[k] !== undefined) step[k] = Number(r[k]);
        s.steps.push(step);
        break;
      }
      case 'action':
        if (typeof r.name !== 'string') throw new Error(`${what}.name: expected the action's name`);
        s.steps.push({ at, op: 'action', name: r.name, nodes: r.nodes === undefined ? undefined : nodeList('nodes'), args: r.args });
        break;
      default:
        throw new Error(`${what}.op: unknown op ${JSON.stringify(r.op)}`);
    }
  });
  return s;
}

function linkOf(step: Extract<Step, { op: 'link' }>): Partial<LinkConfig> {
  const c: Partial<LinkConfig> = {};
  for (const k of LINK_KEYS) if (step[k] !== undefined) c[k] = step[k];
  return c;
}

export interface RunScenarioOptions<N extends SimNode> {
  factory: NodeFactory<N>;
  actions?: Record<string, Action<N>>;
  /** Run until this virtual time instead of scenario.durationMs. */
  untilMs?: number;
}

/** Applies one step to the simulation now. */
export async function applyStep<N extends SimNode>(sim: Simulation<N>, step: Step, actions: Record<string, Action<N>> = {}): Promise<void> {
  switch (step.op) {
    case 'start':
      for (const n of step.nodes) if (!sim.isUp(n)) await sim.start(n);
      return;
    case 'stop':
      for (const n of step.nodes) await sim.stop(n);
      return;
    case 'crash':
      for (const n of step.nodes) sim.crash(n);
      return;
    case 'restart':
      for (const n of step.nodes) await sim.restart(n);
      return;
    case 'pause':
      for (const n of step.nodes) sim.pause(n, step.forMs);
      return;
    case 'resume':
      for (const n of step.nodes) sim.resume(n);
      return;
    case 'partition':
      sim.partition(step.groups, { oneWay: step.oneWay });
      return;
    case 'heal':
      sim.heal();
      return;
    case 'link':
      if (step.from === undefined && step.to === undefined) sim.setLink(linkOf(step));
      else sim.setLinkBetween(step.from ?? sim.names(), step.to ?? sim.names(), linkOf(step), { oneWay: step.oneWay });
      return;
    case 'action': {
      const a = actions[step.name];
      if (!a) throw new Error(`scenario action '${step.name}' is not defined for this protocol`);
      sim.note(`action ${step.name} ${step.nodes?.join(',') ?? ''}`);
      await a(sim, step);
      return;
    }
  }
}

/**
 * Defines the scenario's nodes, starts them (unless startAll is false), applies each step at its
 * virtual time and runs to the end. A step that fails fails the run.
 */
export async function runScenario<N extends SimNode>(sim: Simulation<N>, scenario: Scenario, opts: RunScenarioOptions<N>): Promise<void> {
  const all = scenarioNodes(scenario);
  for (const n of all) sim.define(n, opts.factory);
  if (scenario.startAll !== false) for (const n of all) await sim.start(n);
  let failure: unknown;
  const steps = scenario.steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i);
  for (const { s } of steps) {
    sim.scheduler.at(s.at, () => {
      applyStep(sim, s, opts.actions).catch((e) => {
        failure ??= e;
      });
    });
  }
  await sim.run(opts.untilMs ?? scenario.durationMs, { stopWhen: () => failure !== undefined });
  if (failure !== undefined) throw failure;
}
