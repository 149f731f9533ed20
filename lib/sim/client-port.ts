// The DistKV client port inside the simulator: each simulated server serves the real client
// protocol (lib/client-protocol: msgpack framing, get_tree with nchain -1 and shortened paths,
// get_tree_internal, get_state, get_value, check_deleted) on a simulated stream port, and peers
// reach it with the real sync sessions (lib/node/sync-connector.ts over our DistkvClient). So an
// initial sync or big-value fetch crosses the simulated network: a partition or a down peer fails
// the connect, a crash or a cut breaks the stream, and every timeout runs on the virtual clock.
import type { Addr, Millis, Stream } from '../../gossip/runtime.js';
import type { SimRuntime } from '../../sim/simulation.js';
import type { Replica } from '../../store/replica.js';
import type { EventBus } from '../../store/replication/bus.js';
import { DEFAULT_CLIENT_PORT } from '../../store/replication/host-port.js';
import type { SyncConnector } from '../../store/replication/sync.js';
import type { ServerContext } from '../client-protocol/context.js';
import { ClientListener } from '../client-protocol/listener.js';
import { tcpSyncConnector, type SyncConnectorOptions } from '../node/sync-connector.js';

/** The client port of every simulated server (python's default `connect.port`). */
export const SIM_CLIENT_PORT = DEFAULT_CLIENT_PORT;

/**
 * Serves the client protocol for `replica`'s store on the node's client port, opened once the
 * replica is ready (python opens its port only then: a peer never syncs from a server that has
 * no data yet). Close it with `closeAll()` and the transport's `close()` when the node stops.
 */
export function serveClientPort(rt: SimRuntime, replica: Replica, bus: EventBus, port = SIM_CLIENT_PORT): ClientListener {
  const ctx: ServerContext = {
    store: replica.store,
    logger: rt.logger,
    // lib/server.ts's defaults (python `server.buffer` 10, watch backlog 100, 16 MiB requests)
    qlen: 10,
    watchBuffer: 100,
    maxMessageBytes: 16 << 20,
    replica: {
      nodeDropped: (name) => replica.send('info', { node_drop: [name] }),
      checkDeleted: (nodes) => replica.checkDeleted(nodes),
      fakeInfo: (msg, broadcast) => replica.fakeInfo(msg, broadcast),
      messages: bus,
    },
  };
  const listener = new ClientListener(ctx, rt.listen(port));
  void replica.whenReady().then(() => listener.start());
  return listener;
}

export interface SimSyncOptions extends Omit<SyncConnectorOptions, 'clock' | 'dial' | 'tls'> {
  /** Told the bytes each session sends and receives (benchmarks: peer-session traffic). */
  meter?: (bytes: number) => void;
}

/**
 * The replica's peer sessions in the simulator: lib/node's connector, dialling simulated
 * streams and timing out on the node's virtual clock. `hosts` resolves a host that is not an
 * address (python's fallback when neither hostmap nor Serf tag names a peer: its name, for DNS).
 */
export function simSyncConnector(rt: SimRuntime, hosts: (name: string) => Addr | undefined, o: SimSyncOptions = {}): SyncConnector {
  const { meter, ...rest } = o;
  const dial = async (to: Addr, timeoutMs: Millis): Promise<Stream> => {
    const ip = hosts(to.host)?.host;
    const s = await rt.streams.connect(ip === undefined ? to : { host: ip, port: to.port }, timeoutMs);
    return meter ? metered(s, meter) : s;
  };
  return tcpSyncConnector({ ...rest, clock: rt.clock, dial });
}

/** `s`, telling `meter` the size of every chunk written or received. */
function metered(s: Stream, meter: (bytes: number) => void): Stream {
  return {
    remote: s.remote,
    local: s.local,
    get closed() {
      return s.closed;
    },
    write: (b) => {
      meter(b.length);
      return s.write(b);
    },
    onData: (h) =>
      s.onData((b) => {
        meter(b.length);
        h(b);
      }),
    onDrain: (h) => s.onDrain(h),
    onClose: (h) => s.onClose(h),
    end: () => s.end(),
    destroy: (e) => s.destroy(e),
  };
}
