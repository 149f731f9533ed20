// What memberlist knows about one member: its identity, address, metadata, protocol versions
// and our current opinion of its health.
import type { Addr, Millis } from '../runtime.js';

/** A member's unique name in the cluster. */
export type NodeName = string;
/** A member's own counter that orders its alive/suspect/dead messages. */
export type Incarnation = number;

/** Wire values of memberlist's NodeStateType (pushed as integers in push-pull). */
export enum NodeStateType {
  Alive = 0,
  Suspect = 1,
  Dead = 2,
  Left = 3,
}

export function stateName(s: NodeStateType): string {
  return ['alive', 'suspect', 'dead', 'left'][s] ?? `state(${s})`;
}

/** Protocol versions a node speaks: pmin, pmax, pcur, dmin, dmax, dcur. */
export type Vsn = [number, number, number, number, number, number];

/** The public view of a member (memberlist's Node). */
export interface MemberNode {
  readonly name: NodeName;
  /** Raw IP bytes as on the wire (4 or 16 bytes). */
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array;
  readonly state: NodeStateType;
  readonly vsn: Vsn;
}

/** Our mutable record of a member (memberlist's nodeState). */
export interface NodeRecord {
  name: NodeName;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  vsn: Vsn;
  incarnation: Incarnation;
  state: NodeStateType;
  /** Clock time of the last state change. */
  stateChange: Millis;
}

export function deadOrLeft(n: NodeRecord): boolean {
  return n.state === NodeStateType.Dead || n.state === NodeStateType.Left;
}

export function toMemberNode(n: NodeRecord): MemberNode {
  return { name: n.name, addr: n.addr, port: n.port, meta: n.meta, state: n.state, vsn: [...n.vsn] as Vsn };
}

/** Text form of raw IP bytes ("10.0.0.1", "::1"); unusual lengths fall back to hex. */
export function ipToString(ip: Uint8Array): string {
  if (ip.length === 4) return Array.from(ip).join('.');
  if (ip.length === 16) {
    // IPv4-mapped IPv6 is how Go's net.IP often carries v4 addresses.
    if (ip.slice(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) {
      return Array.from(ip.slice(12)).join('.');
    }
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((ip[i]! << 8) | ip[i + 1]!).toString(16));
    return compressV6(groups);
  }
  return Buffer.from(ip).toString('hex');
}

function compressV6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Raw bytes of an IP literal; undefined if it is not one. */
export function ipToBytes(host: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
  }
  if (!host.includes(':')) return undefined;
  let h = host.replace(/^\[|\]$/g, '');
  // An embedded IPv4 tail ("::ffff:1.2.3.4") is two more 16-bit groups.
  const tail4 = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(h);
  if (tail4) {
    const b = ipToBytes(tail4[2]!);
    if (!b) return undefined;
    h = `${tail4[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = h.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const hs = parse(head);
  const ts = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - hs.length - ts.length;
  const groups = [...hs, ...Array<string>(Math.max(fill, 0)).fill('0'), ...ts];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function nodeAddr(n: { addr: Uint8Array; port: number }): Addr {
  return { host: ipToString(n.addr), port: n.port };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** "host:port", "host" (default port), "[v6]:port", with an optional "name/" prefix. */
export function parseJoinAddr(text: string, defaultPort: number): { name?: string; addr: Addr } | string {
  let s = text.trim();
  let name: string | undefined;
  const slash = s.indexOf('/');
  if (slash === 0) return `empty node name in ${text}`;
  if (slash > 0) {
    name = s.slice(0, slash);
    s = s.slice(slash + 1);
  }
  let host = s;
  let port = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const i = s.indexOf(':');
    host = s.slice(0, i);
    port = Number(s.slice(i + 1));
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return `bad port in ${text}`;
  if (!ipToBytes(host)) return `not an IP address: ${host} (name resolution is not supported)`;
  return name === undefined ? { addr: { host, port } } : { name, addr: { host, port } };
}
