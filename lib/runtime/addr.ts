// "host:port" strings as users type them (-bind, -join, hostmap entries) into Addrs with IP
// literals, which is all the transports accept. Name resolution is I/O, so it lives here and
// not in gossip/ (whose join parser takes literals only).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TransportError, type Addr } from '../../gossip/runtime.js';

/**
 * Splits "host:port", "[v6]:port", "host" or a bare IPv6 literal. The port is undefined when
 * absent; a present but invalid port is an error.
 */
export function splitHostPort(s: string): { host: string; port: number | undefined } {
  const text = s.trim();
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
  } else if (isIP(text) === 6) {
    host = text; // bare IPv6: its colons are not a port separator
  } else {
    const i = text.lastIndexOf(':');
    if (i >= 0 && text.indexOf(':') !== i) throw new Error(`'${s}': IPv6 addresses with a port need brackets ([::1]:7946)`);
    host = i >= 0 ? text.slice(0, i) : text;
    portText = i >= 0 ? text.slice(i + 1) : undefined;
  }
  if (host === '') throw new Error(`'${s}': no host`);
  if (portText === undefined) return { host, port: undefined };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new Error(`'${s}': bad port '${portText}'`);
  return { host, port: Number(portText) };
}

/** Parses "host:port" with a literal host (no DNS); the port defaults to `defaultPort`. */
export function parseAddr(s: string, defaultPort: number): Addr {
  const { host, port } = splitHostPort(s);
  if (isIP(host) === 0) throw new Error(`'${s}': '${host}' is not an IP address (use resolveAddrs for names)`);
  return { host, port: port ?? defaultPort };
}

/**
 * Resolves "host[:port]" to every address of the host (IPv4 first, as Serf/memberlist on a
 * typical dual-stack loopback expect); literals skip DNS. Fails with TransportError 'unreachable'.
 */
export async function resolveAddrs(s: string, defaultPort: number): Promise<Addr[]> {
  let parts: { host: string; port: number | undefined };
  try {
    parts = splitHostPort(s);
  } catch (e) {
    throw new TransportError('unreachable', (e as Error).message, e);
  }
  const port = parts.port ?? defaultPort;
  if (isIP(parts.host) !== 0) return [{ host: parts.host, port }];
  let found: { address: string; family: number }[];
  try {
    found = await lookup(parts.host, { all: true });
  } catch (e) {
    throw new TransportError('unreachable', `cannot resolve '${parts.host}': ${(e as Error).message}`, e);
  }
  if (found.length === 0) throw new TransportError('unreachable', `'${parts.host}' has no addresses`);
  const sorted = [...found].sort((a, b) => a.family - b.family);
  const seen = new Set<string>();
  const out: Addr[] = [];
  for (const f of sorted) {
    if (seen.has(f.address)) continue;
    seen.add(f.address);
    out.push({ host: f.address, port });
  }
  return out;
}
