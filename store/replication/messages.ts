// DistKV's server messages: topics, and the field filling of python `Server._send_event`.
import type { Store } from '../store.js';

/** DistKV's four actions, and ours: `notice` (a big value's announcement, ours only). */
export type Action = 'update' | 'info' | 'ping' | 'del' | 'notice';

/** python `server.root` default. */
export const DEFAULT_ROOT = ':distkv';

export function topic(root: string, action: Action): string {
  return `${root}.${action}`;
}

/** The action of an event name under `root`, or undefined when it is not one of ours. */
export function actionOf(root: string, name: string): Action | undefined {
  if (!name.startsWith(root) || name.charCodeAt(root.length) !== 46 /* . */) return undefined;
  const a = name.slice(root.length + 1);
  return a === 'update' || a === 'info' || a === 'ping' || a === 'del' || a === 'notice' ? a : undefined;
}

/**
 * python `_send_event`: `tock` (a fresh one, or the message's raises ours), then `node` and `tick`
 * when absent — appended in that order, as python's dict does (the capture shows
 * `{ticks, tock, node, tick}`).
 */
export function fillMessage(store: Store, msg: Record<string, unknown>): Record<string, unknown> {
  if (!('tock' in msg)) msg.tock = store.nextTock();
  else if (typeof msg.tock === 'number') store.tockSeen(msg.tock);
  if (!('node' in msg)) msg.node = store.name;
  if (!('tick' in msg)) msg.tick = store.tick;
  return msg;
}

/** Reads a string-keyed field of a decoded map (plain object or Map). */
export function field(msg: unknown, key: string): unknown {
  if (msg instanceof Map) return msg.get(key);
  if (typeof msg === 'object' && msg !== null && !Array.isArray(msg) && Object.prototype.hasOwnProperty.call(msg, key))
    return (msg as Record<string, unknown>)[key];
  return undefined;
}
