// `distkv sim`: runs a protocol on N simulated nodes for a virtual duration, optionally under a
// scenario file, and reports what the network did. Same seed and scenario ⇒ same trace line.
import { readFileSync } from 'node:fs';
import { parseArgs, parseDuration, UsageError, type FlagSpec } from '../args.js';
import type { LinkConfig } from '../../sim/links.js';
import { loadProtocol, PROTOCOLS } from '../../sim/protocols.js';
import { nodeNames, parseScenario, runScenario, type Scenario } from '../../sim/scenario.js';
import { Simulation, type SimStats } from '../../sim/simulation.js';
import type { RunVerdict, WorkloadFlags } from '../../sim/protocols.js';

const SPEC: Record<string, FlagSpec> = {
  nodes: { type: 'string', aliases: ['n'], help: 'number of nodes (default 10, or the scenario\'s)' },
  seed: { type: 'string', aliases: ['s'], help: 'master seed (default 1)' },
  duration: { type: 'string', aliases: ['d'], help: 'virtual time to run, e.g. 60s (default 60s, or the scenario\'s)' },
  loss: { type: 'string', help: 'datagram loss probability on every link' },
  latency: { type: 'string', help: 'one-way link latency, e.g. 5ms' },
  jitter: { type: 'string', help: 'extra uniform latency, e.g. 2ms' },
  duplicate: { type: 'string', help: 'datagram duplication probability' },
  reorder: { type: 'string', help: 'probability a datagram is held back (reordered)' },
  scenario: { type: 'string', help: 'JSON scenario file (timed steps)' },
  protocol: { type: 'string', aliases: ['p'], help: `protocol to run: ${Object.keys(PROTOCOLS).join(', ')} (default flood)` },
  param: { type: 'list', help: 'protocol parameter key=value (repeatable)' },
  writes: { type: 'string', help: 'generated workload: client writes spread over the run (replica)' },
  partitions: { type: 'string', help: 'generated workload: random partitions, each healed later (replica)' },
  crashes: { type: 'string', help: 'generated workload: crashes, each restarted later from disk (replica)' },
  'big-values': { type: 'bool', help: 'generated workload: a quarter of the writes carry 10-200 KiB (replica)' },
  'trace-hash': { type: 'bool', help: 'print a line `trace <hex>`' },
  json: { type: 'bool', help: 'print the report as one JSON object' },
  log: { type: 'string', help: 'print node logs at this level (debug|info|warn|error)' },
  help: { type: 'bool', aliases: ['h'] },
};

function usage(): string {
  const lines = Object.entries(SPEC).map(([k, s]) => `  --${k.padEnd(11)} ${s.help ?? ''}`);
  return (
    `usage: distkv sim [options]\n\n${lines.join('\n')}\n\n` +
    'With --protocol replica the run ends with a heal and a quiet period (--param quiet=120s), and the\n' +
    'last line is `converged <true|false> lost <n> nodes <k> keys <m>`; the exit status is 1 unless\n' +
    'the stores converged with nothing lost.\n'
  );
}

function prob(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${flag}: expected a probability in [0, 1], got '${v}'`);
  return n;
}

function str(f: Map<string, unknown>, k: string): string | undefined {
  const v = f.get(k);
  return typeof v === 'string' ? v : undefined;
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, SPEC);
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`distkv sim: ${e.message}\n\n${usage()}`);
    return 2;
  }
  const f = args.flags;
  if (f.get('help')) {
    process.stdout.write(usage());
    return 0;
  }
  try {
    return await simulate(f);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && /^(scenario|--|unknown protocol|flood:|memberlist:|replica:)/.test(e.message))) {
      process.stderr.write(`distkv sim: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function simulate(f: Map<string, unknown>): Promise<number> {
  let scenario: Scenario | undefined;
  const file = str(f, 'scenario');
  if (file !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`--scenario ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    scenario = parseScenario(json);
  }
  const nodesFlag = str(f, 'nodes');
  let nodes: number | string[] = scenario?.nodes ?? 10;
  if (nodesFlag !== undefined) {
    const n = Number(nodesFlag);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--nodes: expected a positive integer, got '${nodesFlag}'`);
    if (scenario && typeof scenario.nodes !== 'number') throw new UsageError('--nodes cannot override a scenario that names its nodes');
    nodes = n;
  }
  const durFlag = str(f, 'duration');
  const durationMs = durFlag !== undefined ? parseDuration(durFlag) : (scenario?.durationMs ?? 60_000);
  const seed = str(f, 'seed') ?? '1';
  const link: Partial<LinkConfig> = {};
  const loss = prob(str(f, 'loss'), 'loss');
  if (loss !== undefined) link.loss = loss;
  const dup = prob(str(f, 'duplicate'), 'duplicate');
  if (dup !== undefined) link.duplicate = dup;
  const reorder = prob(str(f, 'reorder'), 'reorder');
  if (reorder !== undefined) link.reorder = reorder;
  const lat = str(f, 'latency');
  if (lat !== undefined) link.latencyMs = parseDuration(lat);
  const jit = str(f, 'jitter');
  if (jit !== undefined) link.jitterMs = parseDuration(jit);
  const params: Record<string, string> = {};
  for (const p of (f.get('param') as string[] | undefined) ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${p}: expected key=value`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const logLevel = str(f, 'log');
  if (logLevel !== undefined && !['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new UsageError(`--log: bad level '${logLevel}'`);

  const protocolName = str(f, 'protocol') ?? 'flood';
  const protocol = await loadProtocol(protocolName);
  const workload = workloadFlags(f);
  if (workload && !protocol.workload) throw new UsageError(`--writes/--partitions/--crashes/--big-values: protocol ${protocolName} takes no generated workload (try --protocol replica)`);
  const count = typeof nodes === 'number' ? nodes : nodes.length;
  const sim = new Simulation({
    seed,
    link,
    log: logLevel ? { level: logLevel as 'debug', print: true } : { level: 'warn' },
  });
  const names = typeof nodes === 'number' ? nodeNames(nodes) : nodes;
  const popts = { nodes: count, durationMs, params, seed, sim };
  const steps = [...(scenario?.steps ?? []), ...(workload && protocol.workload ? protocol.workload(popts, names, workload) : [])];
  const sc: Scenario = { ...(scenario ?? {}), steps, nodes, durationMs };
  const factory = protocol.factory(popts);
  const t0 = performance.now();
  let failure: unknown;
  let verdict: RunVerdict | undefined;
  try {
    await runScenario(sim, sc, { factory, actions: protocol.actions });
  } catch (e) {
    // a judged protocol still reports its verdict; the failure goes to stderr
    if (!protocol.finish) throw e;
    failure = e;
    process.stderr.write(`distkv sim: the scenario failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  if (protocol.finish) verdict = await protocol.finish(sim, popts);
  const wallMs = performance.now() - t0;
  const st = sim.stats();
  const summary = { ...protocol.summary(sim), ...(verdict?.figures ?? {}) };
  const trace = sim.traceHash();
  if (f.get('json')) {
    const out = { protocol: protocolName, seed, nodes: count, scenario: scenario?.name ?? file, wallMs: Math.round(wallMs), ...st, [protocolName]: summary, trace };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    process.stdout.write(report(protocolName, seed, names.length, st, wallMs, summary));
  }
  if (f.get('trace-hash')) process.stdout.write(`trace ${trace}\n`);
  // the verdict is always the last line (its format is stable)
  if (verdict) process.stdout.write(`${verdict.line}\n`);
  return verdict && (!verdict.ok || failure !== undefined) ? 1 : 0;
}

function intFlag(f: Map<string, unknown>, flag: string): number | undefined {
  const v = str(f, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag}: expected an integer >= 0, got '${v}'`);
  return n;
}

/** The generated-workload flags, or undefined when none was given. */
function workloadFlags(f: Map<string, unknown>): WorkloadFlags | undefined {
  const w = { writes: intFlag(f, 'writes'), partitions: intFlag(f, 'partitions'), crashes: intFlag(f, 'crashes'), bigValues: f.get('big-values') === true };
  if (w.writes === undefined && w.partitions === undefined && w.crashes === undefined && !w.bigValues) return undefined;
  return { writes: w.writes ?? 0, partitions: w.partitions ?? 0, crashes: w.crashes ?? 0, bigValues: w.bigValues };
}

function report(protocol: string, seed: string, nodes: number, st: SimStats, wallMs: number, summary: Record<string, unknown>): string {
  const d = Object.entries(st.dropped)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const s = st.streams;
  const lines = [
    `distkv sim: protocol ${protocol}, ${nodes} nodes, seed ${seed}, ${(st.virtualMs / 1000).toFixed(3)} s virtual`,
    `datagrams sent ${st.sent}, delivered ${st.delivered}, dropped ${st.droppedTotal}${d ? ` (${d})` : ''}, duplicated ${st.duplicated}, reordered ${st.reordered}, bytes ${st.bytesDelivered}`,
    `streams   opened ${s.opened}, refused ${s.refused}, timed out ${s.timedOut}, reset ${s.reset}, bytes ${s.bytes}`,
    `events    ${st.events} in ${(wallMs / 1000).toFixed(3)} s wall (${Math.round(st.events / (wallMs / 1000))} events/s), virtual/wall ${(st.virtualMs / wallMs).toFixed(1)}x`,
    `nodes up  ${st.nodesUp}`,
    `${protocol.padEnd(9)} ${Object.entries(summary)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ')}`,
  ];
  return lines.join('\n') + '\n';
}
