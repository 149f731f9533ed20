// Where to reach a peer's client port (python `_get_host_port`): the meta tree's
// `(None, "hostmap", name)` = [host, port]; else the config hostmap ("host", "host:port" or
// [host, port]); else — our addition — the peer's Serf tag; else the name itself. A domain is
// appended to dotless names other than localhost; the default port is `connect.port`.
import { NOT_GIVEN } from '../entry.js';
import type { Store } from '../store.js';

export type HostmapEntry = string | readonly [string, number];

export interface HostPortConfig {
  hostmap?: Record<string, HostmapEntry>;
  /** python `connect.port` (27586). */
  defaultPort?: number;
  /** python `domain`. */
  domain?: string | null;
  /** A peer's advertised "host:port" (Serf tag), for peers the hostmaps do not name. */
  tagLookup?: (name: string) => string | undefined;
}

export const DEFAULT_CLIENT_PORT = 27586;

function splitHostPort(s: string, port: number): [string, number] {
  const i = s.lastIndexOf(':');
  if (i < 0) return [s, port];
  const p = Number(s.slice(i + 1));
  return Number.isInteger(p) && p > 0 && p < 65536 ? [s.slice(0, i), p] : [s, port];
}

export function hostPortOf(store: Store, name: string, cfg: HostPortConfig): [string, number] {
  let port = cfg.defaultPort ?? DEFAULT_CLIENT_PORT;
  let host = name;
  const meta = store.get([null, 'hostmap', name]);
  const mv = meta && meta.value !== NOT_GIVEN ? meta.value : undefined;
  if (Array.isArray(mv) && mv.length === 2 && typeof mv[0] === 'string' && typeof mv[1] === 'number') {
    host = mv[0];
    port = mv[1];
  } else if (cfg.hostmap && Object.prototype.hasOwnProperty.call(cfg.hostmap, name)) {
    const h = cfg.hostmap[name]!;
    if (typeof h === 'string') [host, port] = splitHostPort(h, port);
    else [host, port] = [h[0], h[1]];
  } else {
    const tag = cfg.tagLookup?.(name);
    if (tag) [host, port] = splitHostPort(tag, port);
  }
  if (cfg.domain && !host.includes('.') && host !== 'localhost') host += '.' + cfg.domain;
  return [host, port];
}
