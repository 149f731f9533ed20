// The replica's peer sessions over the real client protocol, with our client library: the initial
// sync (store/replication/sync.ts: `get_tree`/`get_tree_internal` with `nchain: -1`, their
// shortened paths made whole again, `get_state`), `check_deleted`, and the big-value fetch
// `get_value {node, tick}` (store/replication/big-values.ts; the replica checks size and sha256
// against the notice and applies), and the replication pull (store/replication/pull.ts):
// `get_ticks {nodes}` from our servers, `get_value {node, tick, nchain: -1}` from Python ones.
// Python servers answer all but get_ticks.
import type { ConnectionOptions } from 'node:tls';
import type { Addr, Clock, Millis, Stream, Timer } from '../../gossip/runtime.js';
import { RealClock } from '../runtime/clock.js';
import { DistkvClient } from '../client/client.js';
import { login, type Credentials } from '../auth/client-login.js';
import { Path } from '../../store/path.js';
import { PathLongener } from '../../store/path-shortener.js';
import type { SyncConnector, SyncSession } from '../../store/replication/sync.js';

export interface SyncConnectorOptions {
  /** TCP connect + greeting (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * A single request (`get_value`, `get_state`, `check_deleted`) that gets no reply in time closes
   * the session (default 60 s: a 16 MiB value on a loaded host takes seconds): a peer that accepts
   * but never answers must not hold a fetch — and the tick it stands for — forever.
   */
  requestTimeoutMs?: number;
  /** The peers' client ports speak TLS (ours does: lib/runtime/tls.ts tlsClientOptions). */
  tls?: ConnectionOptions;
  /** Log in to peers that ask for it (python `connect.auth`); without it such a peer drops us. */
  login?: Credentials;
  /** The timers of the greeting and request deadlines; default Node's (the simulator: its clock). */
  clock?: Clock;
  /**
   * Opens the byte stream to a peer's client port; default TCP (TLS with `tls`). The simulator
   * dials its own streams (lib/sim/client-port.ts), so the same sessions run there.
   */
  dial?: (to: Addr, timeoutMs: Millis) => Promise<Stream>;
}

export function tcpSyncConnector(o: SyncConnectorOptions = {}): SyncConnector {
  const requestTimeoutMs = o.requestTimeoutMs ?? 60_000;
  // Node's timers ref'd, as plain setTimeout: a fetch waiting for its reply keeps the process up
  const clock = o.clock ?? new RealClock({ keepAlive: true });
  return async ({ host, port }) => {
    const timeoutMs = o.connectTimeoutMs ?? 5000;
    const stream = o.dial ? await o.dial({ host, port }, timeoutMs) : undefined;
    const c = await DistkvClient.connect({
      host,
      port,
      timeoutMs,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(stream ? { stream } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    try {
      await login(c, o.login);
    } catch (e) {
      c.close();
      throw e;
    }
    const request = async (action: string, params: Parameters<DistkvClient['request']>[1]) => {
      let timer: Timer | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = clock.setTimer(requestTimeoutMs, () => {
          reject(new Error(`${action}: no reply from ${host}:${port} within ${requestTimeoutMs} ms`));
          c.close();
        });
      });
      try {
        return await Promise.race([c.request(action, params), deadline]);
      } finally {
        timer?.cancel();
      }
    };
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
      state: () => request('get_state', { nodes: true, known: true, deleted: true }),
      async checkDeleted(nodes) {
        await request('check_deleted', { nodes } as never);
      },
      getValue: (node, tick, nchain = 0) => request('get_value', { node, tick, nchain }),
      // ours only (replication pull): a peer that stops sending for a request timeout is cut off
      async *getTicks(nodes) {
        let timer: Timer | undefined;
        const arm = () => {
          timer?.cancel();
          timer = clock.setTimer(requestTimeoutMs, () => c.close());
        };
        arm();
        try {
          for await (const m of c.stream('get_ticks', { nodes } as never)) {
            arm();
            yield m;
          }
        } finally {
          timer?.cancel();
        }
      },
      close: () => c.close(),
    };
    return session;
  };
}
