// "host:port" parsing for -rpc-addr (IPv4, [IPv6]:port, bare host).
import type { Addr } from '../../gossip/runtime.js';
import { UsageError } from '../args.js';

export function parseHostPort(text: string, defaultPort: number): Addr {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const i = text.lastIndexOf(':');
  if (i < 0 || text.indexOf(':') !== i) return { host: text, port: defaultPort };
  const port = Number(text.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad port in '${text}'`);
  return { host: text.slice(0, i) || '127.0.0.1', port };
}
