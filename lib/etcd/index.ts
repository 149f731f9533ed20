// The etcd v2 front-end: `startEtcdFrontend({store, clock, name, port})` serves etcd's v2 HTTP API
// over a DistKV Store. See docs/etcd.md.
import type { Clock } from '../../gossip/runtime.js';
import type { PathElement } from '../../store/path.js';
import type { Store } from '../../store/store.js';
import { EtcdHttpServer, type EtcdHttpOptions } from './http.js';
import { EtcdV2Store } from './v2store.js';

export { EtcdHttpServer } from './http.js';
export { EtcdV2Store } from './v2store.js';
export { EtcdError, Ecode } from './errors.js';

export const DEFAULT_ETCD_PORT = 2379;

export interface EtcdFrontendOptions extends Omit<EtcdHttpOptions, 'name'> {
  store: Store;
  clock: Clock;
  name?: string;
  host?: string;
  /** 0 = any free port. Default 2379. */
  port?: number;
  prefix?: readonly PathElement[];
}

export interface EtcdFrontend {
  readonly v2: EtcdV2Store;
  readonly http: EtcdHttpServer;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startEtcdFrontend(o: EtcdFrontendOptions): Promise<EtcdFrontend> {
  const v2 = new EtcdV2Store({ store: o.store, clock: o.clock, prefix: o.prefix });
  const http = new EtcdHttpServer(v2, { ...o, name: o.name ?? o.store.name });
  const host = o.host ?? '127.0.0.1';
  let a;
  try {
    a = await http.listen(o.port ?? DEFAULT_ETCD_PORT, host);
  } catch (e) {
    v2.close();
    throw e;
  }
  return {
    v2,
    http,
    port: a.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`,
    async close() {
      await http.close();
      v2.close();
    },
  };
}
