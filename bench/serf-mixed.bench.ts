// A real loopback cluster: 8 real `serf agent`s + 8 `distkv agent`s against 16 real agents, all
// on the Local profile, every member running the same -event-handler script for user events.
// Measured: from `serf event -coalesce=false` until the LAST of the 16 handlers has run (each
// handler logs `date +%s%N`). Events go alternately through a real agent's RPC port and through
// one of ours (a real one in the all-real cluster). Printed as the ratio mixed / all-real of the
// medians, measured in the same run. Needs /usr/bin/serf (skips otherwise).
// Env: SERF_MIXED_EACH (default 8), SERF_MIXED_EVENTS (default 10 per cluster), SERF_MIXED_ROUNDS
// (default 1: the clusters are built again each round, events pooled), SERF_MIXED_BEFORE=<dir>: a
// third cluster whose distkv agents run from another checkout (`git archive <rev> | tar -x -C
// dir`, node_modules linked), for before/after ratios in one run.
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

interface Member {
  node: string;
  rpcAddr: string;
}

async function scenario(label: string, ours: number, real: number, dir: string, cwd?: string): Promise<number[]> {
  const log = join(dir, `${label}.log`);
  const script = join(dir, `${label}.sh`);
  writeFileSync(log, '');
  writeFileSync(script, `#!/bin/sh\ncat >/dev/null\necho "$SERF_SELF_NAME $SERF_USER_EVENT $(date +%s%N)" >> ${log}\n`);
  chmodSync(script, 0o755);
  const handler = `-event-handler=user=${script}`;
  try {
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
    await new Promise((r) => setTimeout(r, 3_000)); // let join gossip and push-pulls settle
    const viaReal = members.filter((m) => m.node.includes('-r'));
    const viaOurs = members.filter((m) => m.node.includes('-o'));
    const times: number[] = [];
    for (let e = 0; e < EVENTS; e++) {
      const name = `ev${e}`;
      const pool = e % 2 === 1 && viaOurs.length ? viaOurs : viaReal;
      const via = pool[Math.floor(e / 2) % pool.length]!;
      const t0 = Date.now();
      await serfCli(via.rpcAddr, ['event', '-coalesce=false', name, 'x']);
      const stamps = await waitFor(
        () => {
          const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.split(' ')[1] === name);
          return lines.length >= n ? lines.map((l) => ({ node: l.split(' ')[0]!, at: Number(BigInt(l.split(' ')[2]!) / 1_000_000n) })) : undefined;
        },
        60_000,
        `${label}: ${name} at all ${n} handlers`,
        5,
      );
      const ms = Math.max(...stamps.map((x) => x.at)) - t0;
      times.push(ms);
      // The slowest handlers, to see whether one implementation lags (SERF_MIXED_DEBUG=1).
      const slow = process.env.SERF_MIXED_DEBUG ? ' slowest: ' + [...stamps].sort((a, b) => b.at - a.at).slice(0, 4).map((x) => `${x.node.split('-')[1]}@${x.at - t0}`).join(' ') : '';
      console.log(`${label.padEnd(10)} ${name} via ${via.node.padEnd(12)} all ${n} handlers ran after ${(ms / 1000).toFixed(3)} s${slow}`);
    }
    return times;
  } finally {
    await stopAllPeers();
  }
}

export async function main(): Promise<void> {
  if (!serfAvailable()) {
    console.warn('SKIPPED serf-mixed: no serf binary at /usr/bin/serf');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'serf-mixed-bench-'));
  try {
    const ref: number[] = [];
    const mixed: number[] = [];
    const before: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      ref.push(...(await scenario('allreal', 0, 2 * EACH, dir)));
      if (BEFORE) before.push(...(await scenario('before', EACH, EACH, dir, BEFORE)));
      mixed.push(...(await scenario('mixed', EACH, EACH, dir)));
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
