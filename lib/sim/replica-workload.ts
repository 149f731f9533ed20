// Generated workloads for `distkv sim --protocol replica`: client writes and deletes, partitions
// and crash/restarts spread over the run, as scenario steps (so a generated run is data like a
// scenario file, and `--scenario` steps can be mixed in). Seeded: same seed ⇒ same steps.
import { seededRandom } from '../../sim/prng.js';
import type { Step } from '../../sim/scenario.js';

export interface WorkloadOptions {
  seed: string;
  nodes: readonly string[];
  durationMs: number;
  /** Client writes (about one in six a deletion). */
  writes: number;
  partitions: number;
  crashes: number;
  /** One write in four carries a value of 10–200 KiB. */
  bigValues: boolean;
}

/** Arguments of one `write` action step. */
export interface WriteArgs {
  key: number;
  /** Picks the node among the live, ready ones when the step runs. */
  pick: number;
  del?: boolean;
  /** Bytes of a big value. */
  big?: number;
}

/** Writes go to this many keys, so that some are overwritten and deleted. */
export function keySpace(writes: number): number {
  return Math.max(4, Math.ceil(writes / 3));
}

export function workloadSteps(o: WorkloadOptions): Step[] {
  const r = seededRandom(`${o.seed}/workload`);
  const steps: Step[] = [];
  // nodes need a few gossip cycles to join and sync before clients can write
  const from = Math.min(10_000, o.durationMs / 10);
  const span = Math.max(1, o.durationMs - from);
  const at = () => Math.floor(from + r.next() * span * 0.9);
  const keys = keySpace(o.writes);
  for (let i = 0; i < o.writes; i++) {
    const args: WriteArgs = { key: r.int(keys), pick: r.int(1 << 30) };
    if (r.next() < 1 / 6) args.del = true;
    else if (o.bigValues && r.next() < 0.25) args.big = 10_240 + r.int(190 * 1024);
    steps.push({ at: at(), op: 'action', name: 'write', args });
  }
  for (let i = 0; i < o.partitions && o.nodes.length > 1; i++) {
    const side = r.shuffle([...o.nodes]).slice(0, 1 + r.int(o.nodes.length - 1));
    const t = at();
    steps.push({ at: t, op: 'partition', groups: [side, o.nodes.filter((n) => !side.includes(n))] });
    steps.push({ at: Math.min(o.durationMs, t + 5_000 + r.int(25_000)), op: 'heal' });
  }
  for (let i = 0; i < o.crashes; i++) {
    const n = o.nodes[r.int(o.nodes.length)]!;
    const t = at();
    steps.push({ at: t, op: 'crash', nodes: [n] });
    steps.push({ at: Math.min(o.durationMs, t + 2_000 + r.int(18_000)), op: 'start', nodes: [n] });
  }
  return steps.sort((a, b) => a.at - b.at);
}
