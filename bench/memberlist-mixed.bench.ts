// A real loopback cluster: 8 real `serf agent`s + 8 of our nodes (Serf layer on our memberlist)
// against 16 real agents, both on the Local profile. Measured: time until every member has seen
// a new agent join, and until every member has seen a killed agent as failed. Printed as ratios
// mixed / all-Serf, measured in the same run. Needs /usr/bin/serf (skips otherwise).
// Detection times vary with probe timing, so each cluster is built REPS times; medians are compared.
// Env: ML_MIXED_EACH (default 8), ML_MIXED_REPS (default 3).
import { localConfig } from '../gossip/memberlist/config.js';
import { defaultSerfConfig } from '../gossip/serf/config.js';
import { isMemberEvent } from '../gossip/serf/events.js';
import { Serf } from '../gossip/serf/serf.js';
import { createRealRuntime, nullLogger, type RealRuntime } from '../lib/runtime/index.js';
import { serfAvailable, startSerfAgent, stopAllPeers, type SerfAgent } from '../test/interop/peers.js';

const EACH = Number(process.env.ML_MIXED_EACH ?? 8);
const REPS = Number(process.env.ML_MIXED_REPS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Watcher {
  name: string;
  /** Whether this member has logged/emitted the event about `subject`. */
  saw(kind: 'join' | 'failed', subject: string): boolean;
}

function agentWatcher(a: SerfAgent): Watcher {
  return {
    name: a.node,
    saw: (kind, subject) =>
      new RegExp(`EventMember${kind === 'join' ? 'Join' : 'Failed'}: ${subject} `).test(a.logs()),
  };
}

interface Ours extends Watcher {
  serf: Serf;
  rt: RealRuntime;
  bind: string;
}

async function startOurs(name: string): Promise<Ours> {
  const rt = await createRealRuntime({ logger: nullLogger });
  const serf = Serf.create(rt, { config: defaultSerfConfig(name, localConfig(name)) });
  const seen = new Set<string>();
  serf.onEvent((e) => {
    if (!isMemberEvent(e)) return;
    for (const m of e.members) seen.add(`${e.type}:${m.name}`);
  });
  return {
    name,
    serf,
    rt,
    bind: `${rt.addr.host}:${rt.addr.port}`,
    saw: (kind, subject) => seen.has(`${kind === 'join' ? 'member-join' : 'member-failed'}:${subject}`),
  };
}

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

async function scenario(label: string, ourCount: number, agentCount: number, tag: string): Promise<{ joinMs: number; failMs: number }> {
  const agents: SerfAgent[] = [];
  const ours: Ours[] = [];
  try {
    const first = await startSerfAgent({ node: `${tag}-s0`, profile: 'local' });
    agents.push(first);
    for (let i = 1; i < agentCount; i++) agents.push(await startSerfAgent({ node: `${tag}-s${i}`, profile: 'local', join: [first.bind] }));
    for (let i = 0; i < ourCount; i++) {
      const o = await startOurs(`${tag}-o${i}`);
      await o.serf.join([first.bind]);
      ours.push(o);
    }
    const watchers: Watcher[] = [...agents.map(agentWatcher), ...ours];
    // Settle (Local profile: 16 members converge within a second or two).
    await new Promise((r) => setTimeout(r, 4_000));

    const t0 = performance.now();
    const newcomer = await startSerfAgent({ node: `${tag}-new`, profile: 'local', join: [agents[agents.length - 1]!.bind] });
    agents.push(newcomer);
    const joinAt = new Map<string, number>();
    await until(() => {
      for (const w of watchers) if (!joinAt.has(w.name) && w.saw('join', `${tag}-new`)) joinAt.set(w.name, performance.now() - t0);
      return joinAt.size === watchers.length;
    }, 30_000);
    const joinMs = performance.now() - t0;
    if (process.env.ML_MIXED_DEBUG) console.log([...joinAt].map(([n, t]) => `${n}:${(t / 1000).toFixed(2)}`).join(' '));

    const victim = agents[1]!;
    const t1 = performance.now();
    await victim.kill();
    const others = watchers.filter((w) => w.name !== victim.node);
    const failAt = new Map<string, number>();
    await until(() => {
      for (const w of others) if (!failAt.has(w.name) && w.saw('failed', victim.node)) failAt.set(w.name, performance.now() - t1);
      return failAt.size === others.length;
    }, 60_000);
    const failMs = performance.now() - t1;
    if (process.env.ML_MIXED_DEBUG) console.log([...failAt].map(([n, t]) => `${n}:${(t / 1000).toFixed(2)}`).join(' '));
    console.log(`${label.padEnd(22)} all saw the join in ${(joinMs / 1000).toFixed(2)} s, the failure in ${(failMs / 1000).toFixed(2)} s`);
    return { joinMs, failMs };
  } finally {
    for (const o of ours) {
      await o.serf.shutdown().catch(() => {});
      await o.rt.close();
    }
    await stopAllPeers();
  }
}

export async function main(): Promise<void> {
  if (!serfAvailable()) {
    console.warn('SKIPPED memberlist-mixed: no serf binary at /usr/bin/serf');
    return;
  }
  const ref: { joinMs: number; failMs: number }[] = [];
  const mixed: { joinMs: number; failMs: number }[] = [];
  for (let r = 0; r < REPS; r++) {
    ref.push(await scenario(`all-Serf ${2 * EACH} #${r + 1}`, 0, 2 * EACH, `ref${r}`));
    mixed.push(await scenario(`mixed ${EACH}+${EACH} #${r + 1}`, EACH, EACH, `mix${r}`));
  }
  const j = (xs: { joinMs: number }[]) => median(xs.map((x) => x.joinMs));
  const f = (xs: { failMs: number }[]) => median(xs.map((x) => x.failMs));
  console.log(
    `medians over ${REPS}: all-Serf join ${(j(ref) / 1000).toFixed(2)} s, failure ${(f(ref) / 1000).toFixed(2)} s; ` +
      `mixed join ${(j(mixed) / 1000).toFixed(2)} s, failure ${(f(mixed) / 1000).toFixed(2)} s`,
  );
  console.log(`ratio mixed/all-Serf: join ${(j(mixed) / j(ref)).toFixed(2)}x, failure ${(f(mixed) / f(ref)).toFixed(2)}x`);
}
