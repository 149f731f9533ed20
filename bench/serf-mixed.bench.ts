// A real loopback cluster: 8 real `serf agent`s + 8 `distkv agent`s against 16 real agents, all
// on the Local profile, every member running the same -event-handler script for user events.
// Measured: from `serf event -coalesce=false` until the LAST of the 16 handlers has run (each
// handler logs `date +%s%N`). Events go alternately through a real agent's RPC port and through
// one of ours (a real one in the all-real cluster). Both clusters run at once and take turns,
// one event at a time, so the box's load (which swings 2x within a minute here) hits them alike.
// Printed as the ratio mixed / all-real of the medians. Needs /usr/bin/serf (skips otherwise).
// Env: SERF_MIXED_EACH (default 8), SERF_MIXED_EVENTS (default 10 per cluster), SERF_MIXED_ROUNDS
// (default 1: the clusters are built again each round, events pooled), SERF_MIXED_BEFORE=<dir>: a
// third cluster whose distkv agents run from another checkout (`git archive <rev> | tar -x -C
// dir`, node_modules linked), for before/after ratios in one run. SERF_MIXED_DEBUG=1 prints the
// slowest handlers of each event.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serfAvailable, serfCli, serfMembers, startDistkvAgent, startSerfAgent, stopAllPeers, waitFor } from '../test/interop/peers.js';

const EACH = Number(process.env.SERF_MIXED_EACH ?? 8);
const EVENTS = Number(process.env.SERF_MIXED_EVENTS ?? 10);
const ROUNDS = Number(process.env.SERF_MIXED_ROUNDS ?? 1);
const BEFORE = process.env.SERF_MIXED_BEFORE;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface Member {
  node: string;
  rpcAddr: string;
  /** Gossip "host:port". */
  bind: string;
}

export interface Cluster {
  label: string;
  members: Member[];
  log: string;
  times: number[];
}

/** Starts `real` serf agents and `ours` distkv agents (from `cwd`'s checkout if given), all running the handler. */
export async function build(label: string, ours: number, real: number, dir: string, cwd?: string): Promise<Cluster> {
  const log = join(dir, `${label}.log`);
  const script = join(dir, `${label}.sh`);
  writeFileSync(log, '');
  writeFileSync(script, `#!/bin/sh\ncat >/dev/null\necho "$SERF_SELF_NAME $SERF_USER_EVENT $(date +%s%N)" >> ${log}\n`);
  chmodSync(script, 0o755);
  const handler = `-event-handler=user=${script}`;
  const first = await startSerfAgent({ node: `${label}-r0`, profile: 'local', extraArgs: [handler] });
  const members: Member[] = [first];
  const started = await Promise.all([
    ...Array.from({ length: real - 1 }, (_, i) => startSerfAgent({ node: `${label}-r${i + 1}`, profile: 'local', join: [first.bind], extraArgs: [handler], readyTimeoutMs: 60_000 })),
    ...Array.from({ length: ours }, (_, i) =>
      startDistkvAgent({ node: `${label}-o${i}`, args: ['-profile=local', '-log-level=warn', handler, `-join=${first.bind}`], readyTimeoutMs: 120_000, ...(cwd ? { cwd } : {}) }),
    ),
  ]);
  members.push(...started);
  const n = members.length;
  await waitFor(async () => (await serfMembers(first.rpcAddr, ['-status=alive'])).length === n, 60_000, `${label}: ${n} alive`);
  await waitFor(async () => (await serfMembers(members[n - 1]!.rpcAddr, ['-status=alive'])).length === n, 60_000, `${label}: ${n} alive (last)`);
  return { label, members, log, times: [] };
}

/** Sends event number `e` into the cluster and waits until all its handlers have run. */
export async function measure(c: Cluster, e: number): Promise<{ name: string; via: Member; t0: number }> {
  const n = c.members.length;
  const name = `ev${e}`;
  const viaReal = c.members.filter((m) => m.node.includes('-r'));
  const viaOurs = c.members.filter((m) => m.node.includes('-o'));
  const pool = e % 2 === 1 && viaOurs.length ? viaOurs : viaReal;
  const via = pool[Math.floor(e / 2) % pool.length]!;
  const t0 = Date.now();
  await serfCli(via.rpcAddr, ['event', '-coalesce=false', name, 'x']);
  const stamps = await waitFor(
    () => {
      const lines = readFileSync(c.log, 'utf8').split('\n').filter((l) => l.split(' ')[1] === name);
      return lines.length >= n ? lines.map((l) => ({ node: l.split(' ')[0]!, at: Number(BigInt(l.split(' ')[2]!) / 1_000_000n) })) : undefined;
    },
    60_000,
    `${c.label}: ${name} at all ${n} handlers`,
    5,
  );
  const ms = Math.max(...stamps.map((x) => x.at)) - t0;
  c.times.push(ms);
  // The slowest handlers, to see whether one implementation lags.
  const slow = process.env.SERF_MIXED_DEBUG ? ' slowest: ' + [...stamps].sort((a, b) => b.at - a.at).slice(0, 4).map((x) => `${x.node.split('-')[1]}@${x.at - t0}`).join(' ') : '';
  console.log(`${c.label.padEnd(10)} ${name} via ${via.node.padEnd(12)} all ${n} handlers ran after ${(ms / 1000).toFixed(3)} s${slow}`);
  return { name, via, t0 };
}

export async function main(): Promise<void> {
  if (!serfAvailable()) {
    console.warn('SKIPPED serf-mixed: no serf binary at /usr/bin/serf');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'serf-mixed-bench-'));
  const ref: number[] = [];
  const mixed: number[] = [];
  const before: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      try {
        const clusters = [await build(`allreal${r}`, 0, 2 * EACH, dir)];
        if (BEFORE) clusters.push(await build(`before${r}`, EACH, EACH, dir, BEFORE));
        clusters.push(await build(`mixed${r}`, EACH, EACH, dir));
        await new Promise((res) => setTimeout(res, 3_000)); // let join gossip and push-pulls settle
        for (let e = 0; e < EVENTS; e++) {
          // Rotate who goes first, so no cluster always follows the same one.
          for (let k = 0; k < clusters.length; k++) await measure(clusters[(e + k) % clusters.length]!, e);
        }
        ref.push(...clusters[0]!.times);
        if (BEFORE) before.push(...clusters[1]!.times);
        mixed.push(...clusters[clusters.length - 1]!.times);
      } finally {
        await stopAllPeers();
      }
    }
    const odd = (xs: number[]) => xs.filter((_, i) => i % 2 === 1);
    const s = (x: number) => `${(x / 1000).toFixed(3)} s`;
    const ratio = (xs: number[]) => `${(median(xs) / median(ref)).toFixed(2)}x`;
    console.log(`user event to all ${2 * EACH} handlers, Local profile, ${EVENTS} events per cluster, ${ROUNDS} round(s) (medians):`);
    console.log(`  all-real ${s(median(ref))}, mixed ${EACH}+${EACH} ${s(median(mixed))}: ratio mixed/all-real ${ratio(mixed)}`);
    if (BEFORE) console.log(`  mixed with the agents of ${BEFORE} ${s(median(before))}: ratio ${ratio(before)}`);
    console.log(`  sent through one of ours (mixed) vs a real agent (all-real): ${s(median(odd(mixed)))} vs ${s(median(odd(ref)))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
