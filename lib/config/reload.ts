// SIGHUP: the configuration read again and applied where a running server can change it — log
// level and format, Serf tags (gossiped at once), the hostmap, the client ports' certificates
// (files read again even when their paths did not change: a renewed certificate is written over
// the old one; new connections get it, open ones keep theirs; a bad one is logged and the old
// one kept). Adding, moving or removing a client port, or TLS on/off, needs a restart; so does
// everything else: those keys are named in a warning and keep their running values. ACLs and
// users live in the replicated meta tree (`distkv client acl/auth`): nothing to reload there.
import type { Logger } from '../../gossip/runtime.js';
import type { SubLogger } from '../../gossip/runtime.js';
import type { DistkvNode } from '../node.js';
import { readClientTls } from './client-tls.js';
import type { ClientBind, ServerSettings } from './server-config.js';
import type { SwitchLogger } from './switch-logger.js';

export interface ReloadTarget {
  node: Pick<DistkvNode, 'setTags' | 'setHostmap' | 'reloadClientTls'>;
  sink: SwitchLogger;
  log: SubLogger;
  makeLogger(s: ServerSettings): Logger;
}

const RUNTIME: ReadonlySet<keyof ServerSettings> = new Set(['logLevel', 'logFormat', 'tags', 'hostmap']);

/** The same listeners (addresses, TLS on or off), whatever their files. */
function samePorts(a: readonly ClientBind[], b: readonly ClientBind[]): boolean {
  const shape = (l: readonly ClientBind[]) => JSON.stringify(l.map((x) => [x.addr.host, x.addr.port, !!x.tls, x.tls?.ca !== undefined]));
  return shape(a) === shape(b);
}

function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => (v instanceof Map ? [...v].sort() : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** The keys whose values differ. */
export function changedSettings(old: ServerSettings, next: ServerSettings): (keyof ServerSettings)[] {
  return (Object.keys(next) as (keyof ServerSettings)[]).filter((k) => !same(old[k], next[k]));
}

/** Applies what can change now; returns the keys that were applied. */
export async function applyReload(t: ReloadTarget, old: ServerSettings, next: ServerSettings): Promise<(keyof ServerSettings)[]> {
  const changed = changedSettings(old, next);
  const portsNow = samePorts(old.clientBinds, next.clientBinds);
  const later = changed.filter((k) => !RUNTIME.has(k) && (k !== 'clientBinds' || !portsNow));
  const now = changed.filter((k) => RUNTIME.has(k) || (k === 'clientBinds' && portsNow));
  // certificates are read again even when nothing in the settings changed (renewed in place);
  // a port whose new files fail keeps its old ones (the node logs which, and why)
  const tlsErrors = portsNow ? t.node.reloadClientTls(next.clientBinds.map((b) => (b.tls ? () => readClientTls(b.tls!) : undefined))) : [];
  if (now.includes('logLevel') || now.includes('logFormat')) t.sink.target = t.makeLogger(next);
  if (now.includes('hostmap')) t.node.setHostmap(next.hostmap);
  if (now.includes('tags')) await t.node.setTags(next.tags);
  t.log.info('SIGHUP: configuration reloaded', {
    applied: now,
    ...(later.length ? { needsRestart: later } : {}),
    ...(tlsErrors.length ? { certificatesNotReloaded: tlsErrors } : {}),
  });
  if (later.length) t.log.warn('SIGHUP: these settings change only with a restart', { keys: later });
  // keys that need a restart keep their running values
  for (const k of later) (next as unknown as Record<string, unknown>)[k] = old[k];
  return now;
}
