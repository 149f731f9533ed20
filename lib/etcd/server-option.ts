// `distkv server --etcd-addr [host:]port`: the etcd v2 front-end on a running DistKV server's
// store (default port 2379, loopback). The one hook lib/commands/server.ts needs.
import type { Clock, Logger } from '../../gossip/runtime.js';
import type { Store } from '../../store/store.js';
import { parseAddr } from '../runtime/index.js';
import { DEFAULT_ETCD_PORT, startEtcdFrontend } from './index.js';

export const ETCD_ADDR_FLAG = { type: 'string', help: `serve the etcd v2 API here, host:port (e.g. 127.0.0.1:${DEFAULT_ETCD_PORT})` } as const;

/** Starts the front-end when `addrText` is given; returns its stop function (or a no-op). */
export async function startEtcdOption(addrText: string | undefined, store: Store, clock: Clock, logger: Logger): Promise<() => Promise<void>> {
  if (addrText === undefined) return async () => {};
  const addr = parseAddr(addrText, DEFAULT_ETCD_PORT);
  const f = await startEtcdFrontend({ store, clock, host: addr.host, port: addr.port });
  logger.log('info', 'etcd', 'etcd v2 API listening', { url: f.url });
  return () => f.close();
}
