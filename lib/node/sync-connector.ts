// The replica's initial sync (store/replication/sync.ts SyncSession) over the real client
// protocol, with our client library: `get_tree`/`get_tree_internal` with `nchain: -1` (their
// shortened paths made whole again), `get_state`, `check_deleted`, `get_value`.
// (Same shape as the adapter REPLICA wrote in test/interop/distkv-py-cluster.test.ts.)
import { DistkvClient } from '../client/client.js';
import { Path } from '../../store/path.js';
import { PathLongener } from '../../store/path-shortener.js';
import type { SyncConnector, SyncSession } from '../../store/replication/sync.js';

export function tcpSyncConnector(timeoutMs = 5000): SyncConnector {
  return async ({ host, port }) => {
    const c = await DistkvClient.connect({ host, port, timeoutMs });
    const lengthened = async function* (action: string, prefix: Path) {
      const longer = new PathLongener(prefix);
      for await (const m of c.stream(action, { path: Path.ROOT, nchain: -1 })) {
        if ('depth' in m && 'path' in m) {
          const out: Record<string, unknown> = { ...m, path: longer.lengthen(m.depth as number, m.path as Path) };
          delete out.depth;
          yield out;
        } else yield m;
      }
    };
    const session: SyncSession = {
      tree: () => lengthened('get_tree', Path.ROOT),
      treeInternal: () => lengthened('get_tree_internal', Path.from([null])),
      state: () => c.getState({ nodes: true, known: true, deleted: true }),
      async checkDeleted(nodes) {
        await c.request('check_deleted', { nodes } as never);
      },
      getValue: (node, tick) => c.request('get_value', { node, tick }),
      close: () => c.close(),
    };
    return session;
  };
}
