// asyncactor's timing rules as pure functions. All results are in seconds or in units of `gap`,
// as in actor.py; the actor converts to milliseconds for the Clock.
import type { ActorConfig, NodeName } from './messages.js';

/** Startup wait before the first ping: cycle + gap*(1.5 + r/2) (actor.py:309). */
export function startupDelay(c: ActorConfig, r: number): number {
  return (r / 2 + 1.5) * c.gap + c.cycle;
}

/** The tag sequence after sending a ping (actor.py:323-341): G + (C - G/2) + 1.5G = C + 2G. */
export function tagStageSeconds(c: ActorConfig, stage: 1 | 2 | 3): number {
  if (stage === 1) return c.gap; // sent a ping; wait for a competing one
  if (stage === 2) return c.cycle - c.gap / 2; // tagged: "it" for this long
  return c.gap * 1.5; // untagged; idle before pinging again
}

/** How long a recovery `hist` (or an old-config `vers` re-send) waits at history position pos. */
export function positionDelaySeconds(gap: number, pos: number): number {
  return gap * (1 - 2 ** -pos);
}

/** What _time_to_next_ping looks at. */
export interface ChainView {
  readonly self: NodeName;
  readonly history: readonly NodeName[];
  /** Whether the node's last known value is not null (asyncactor `_values.get(h) is not None`). */
  readonly hasValue: (node: NodeName) => boolean;
  /** set_ready() was called (DistKV's server never calls it). */
  readonly ready: boolean;
  /** Effective max history length (`_nodes`). */
  readonly nodes: number;
  /** Number of nodes whose value we have recorded (`len(_values)`). */
  readonly knownNodes: number;
  readonly n_hosts: number;
  readonly force_in: number;
}

/** The mutable counter ping_delay keeps (`_count_not_on`). */
export interface NotOnCounter {
  countNotOn: number;
}

/**
 * Next ping in units of gap after cycle: the node pings at now + cycle + gap*f unless another
 * ping arrives first (actor.py:714-748). `rand` draws uniform [0,1) like Python's random().
 */
export function nextPingFactor(v: ChainView, rand: () => number, counter: NotOnCounter): number {
  if (v.history.length === 0) return 1.9 - rand() / 5; // we might be the only node
  if (v.history[0] === v.self) return 2; // we sent the last ping
  // 1-based positions: p = first valued node, s = ourselves; lv ends one past the scanned part.
  let p = 0;
  let s = 0;
  let lv = 1;
  for (const h of v.history) {
    if (p === 0 && v.hasValue(h)) p = lv;
    if (h === v.self) s = lv;
    lv += 1;
    if (v.nodes > 0 && lv > v.nodes) break;
  }
  // Not ready and the chain's first working node is far back: stay off the chain's front.
  if (!v.ready && p > Math.floor(lv / 2)) return 2 + rand() / 3;
  const todo = v.nodes > 0 ? v.nodes - v.history.length : 1;
  const total = Math.max(v.knownNodes, v.n_hosts);
  return pingDelay(s - 1, lv, todo, total, v.force_in, rand, counter);
}

/**
 * actor.py:753-811. On the chain at position pos (0 = front) of length `length`:
 * 1 - 2^-(length-pos)/2, so the oldest member goes first (0.875 for the last of 2) and the role
 * rotates. Off the chain: rarely early (r/3) to get on it, else late (1.5 + r/2).
 */
export function pingDelay(
  pos: number,
  length: number,
  todo: number,
  total: number,
  forceIn: number,
  rand: () => number,
  counter: NotOnCounter,
): number {
  if (pos >= 0) return 1 - 2 ** -(length - pos) / 2;
  if (forceIn) {
    if (counter.countNotOn >= total) return rand() / 4;
    if (rand() > (counter.countNotOn - 1) / total) return 0.5 + rand() / 2;
    return rand() / 2;
  }
  let f: number;
  if (todo > 0) {
    f = todo; // the chain is too short: try harder to get onto it
  } else {
    counter.countNotOn += 1;
    f = total;
  }
  if (rand() < 1 / f / total) return rand() / 3;
  return 1.5 + rand() / 2;
}
