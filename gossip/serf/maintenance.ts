// Serf's periodic chores as pure decisions: which failed member to try to reconnect to, and
// how deep a broadcast queue may grow.
import type { Random } from '../runtime.js';
import { ipToString } from '../memberlist/node.js';
import type { MemberState } from './member.js';

/**
 * Serf's reconnect throttle: try with probability failed / alive (so the cluster as a whole tries
 * each failed member about once per interval), then a random failed member. Returns its join
 * address ("name/host:port"), or undefined when not trying this round.
 */
export function reconnectTarget(failed: readonly MemberState[], numMembers: number, numLeft: number, random: Pick<Random, 'next' | 'int'>): string | undefined {
  if (failed.length === 0) return undefined;
  let alive = numMembers - failed.length - numLeft;
  if (alive === 0) alive = 1;
  if (random.next() > failed.length / alive) return undefined;
  const m = failed[random.int(failed.length)]!.member;
  const host = ipToString(m.addr);
  return `${m.name}/${host.includes(':') ? `[${host}]` : host}:${m.port}`;
}

/** Queue limit: MaxQueueDepth, or with MinQueueDepth > 0, 2 * members but at least that. */
export function queueMax(maxQueueDepth: number, minQueueDepth: number, numMembers: number): number {
  if (minQueueDepth <= 0) return maxQueueDepth;
  return Math.max(2 * numMembers, minQueueDepth);
}
