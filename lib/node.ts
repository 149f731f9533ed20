// One DistKV node process: our gossip agent (memberlist + Serf, as `distkv agent` builds it), the
// Replica (DistKV's server protocol as Serf user events), the DistKV server (store, client port,
// persistence), optionally the Serf RPC port. A node without data syncs from a good node over the
// client protocol before it serves (reference §2.7); peers find our client port in the hostmap or
// in our Serf tag `dkv-client`.
import { isProfileName, profileConfig, type ProfileName } from '../gossip/memberlist/config.js';
import type { Keyring } from '../gossip/memberlist/keyring.js';
import { SubLogger, type Addr, type Logger } from '../gossip/runtime.js';
import { defaultSerfConfig } from '../gossip/serf/config.js';
import { Serf } from '../gossip/serf/serf.js';
import { Replica } from '../store/replica.js';
import { CLIENT_ADDR_TAG, serfAllOurs, serfBus, serfPeers, serfTagLookup } from '../store/replication/bus.js';
import type { HostmapEntry } from '../store/replication/host-port.js';
import { defaultAdvertiseHost, resolveJoinAddr } from './commands/agent.js';
import { createRealRuntime, type RealRuntime, type TlsServerFiles } from './runtime/index.js';
import { startAgentRpc, type AgentRpc } from './serf-rpc/agent-rpc.js';
import type { LogTap } from './serf-rpc/log-tap.js';
import { advertisedEndpoint, CLIENT_TLS_TAG, ClientPorts, hostPortText, type ClientEndpoint } from './node/client-ports.js';
import { peerConnector } from './node/peer-connector.js';
import { durableBus } from './data-dir/durable-bus.js';
import { DistkvServer, type DistkvServerOptions, type ServerState } from './server.js';
import type { Credentials } from './auth/client-login.js';

export const DEFAULT_GOSSIP_PORT = 7946;

export interface NodeOptions {
  name: string;
  logger: Logger;
  /** Gossip address (UDP + TCP), default 127.0.0.1:7946. */
  bind: Addr;
  /** `bind` is the default (no -bind given): if taken, fall back to an ephemeral port. */
  bindIsDefault?: boolean;
  advertise?: Addr;
  /** Agents to join at start ("host:port", names resolved); the start fails if none answers. */
  join?: string[];
  keyring?: Keyring;
  tags?: ReadonlyMap<string, string>;
  /** memberlist timing profile (default lan, as `serf agent`). */
  profile?: ProfileName;
  /** Where clients connect (one port; `clientBinds` replaces it). */
  clientAddr?: Addr;
  /** TLS on that client port (PEM contents). */
  clientTls?: TlsServerFiles;
  /**
   * Every client port (python `server.bind`), each plain or TLS; peers are told about one
   * (lib/node/client-ports.ts advertisedEndpoint) and reach TLS ones over TLS.
   */
  clientBinds?: ClientEndpoint[];
  /** How to log in to peers' client ports when they ask (python `connect.auth`). */
  peerLogin?: Credentials;
  /** The agent's RPC flags (`rpc-addr`, `rpc-auth`, `event-handler`); RPC is off without `rpc-addr`. */
  rpcFlags?: ReadonlyMap<string, unknown>;
  /** Lets `serf monitor` on our RPC stream the logs (wrap `logger` with agentLogTap). */
  logs?: LogTap;
  /** python `server.root` (default ":distkv"). */
  root?: string;
  /** python `server.ping` (seconds; default cycle 10, gap 2). */
  ping?: { cycle?: number; gap?: number };
  /** python `server.delete` (the delete actor's cycle/gap, seconds; default 100 / 10). */
  deletePing?: { cycle?: number; gap?: number };
  /** python `hostmap`: peer name → client "host:port" or [host, port]. */
  hostmap?: Record<string, HostmapEntry>;
  /** The DistKV server's own options (-I, -l, -a, -s, -f, buffer). */
  server?: Omit<DistkvServerOptions, 'name' | 'clock' | 'logger' | 'clientTransport' | 'replica' | 'waitForPeers'>;
}

export class DistkvNode {
  replica: Replica | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    /** python `hostmap` as the replica reads it (changed in place by setHostmap). */
    private readonly hostmap: Record<string, HostmapEntry>,
    readonly rt: RealRuntime,
    readonly serf: Serf,
    readonly server: DistkvServer,
    /** Every client port (python `server.bind`); the server's clientTransport. */
    readonly clientPorts: ClientPorts,
    readonly rpc: AgentRpc | undefined,
    readonly log: SubLogger,
    private readonly makeReplica: (loaded: boolean) => Replica,
  ) {}

  /**
   * Binds gossip and the client port, joins, then loads/seeds or syncs from a peer; resolves once
   * the client port serves ('serving'), which for a node without data means after the sync.
   */
  static async create(o: NodeOptions): Promise<DistkvNode> {
    let rt: RealRuntime;
    try {
      rt = await createRealRuntime({ bind: o.bind, logger: o.logger, keepAliveTimers: true });
    } catch (e) {
      // an explicit -bind must work; the default port may be held by a serf agent or another
      // node on this host: then gossip on an ephemeral port (peers join us by that one)
      if (!o.bindIsDefault) throw e;
      rt = await createRealRuntime({ bind: { host: o.bind.host, port: 0 }, logger: o.logger, keepAliveTimers: true });
      new SubLogger(rt.logger, 'node').warn('default gossip port taken: using an ephemeral one', {
        wanted: `${o.bind.host}:${o.bind.port}`,
        bound: `${rt.addr.host}:${rt.addr.port}`,
      });
    }
    const log = new SubLogger(rt.logger, 'node');
    let clientTransport: ClientPorts;
    try {
      const endpoints = o.clientBinds ?? (o.clientAddr ? [{ addr: o.clientAddr, ...(o.clientTls ? { tls: o.clientTls } : {}) }] : []);
      clientTransport = await ClientPorts.open(endpoints, rt.logger);
    } catch (e) {
      await rt.close();
      throw e;
    }
    const advertise: Addr = o.advertise
      ? { host: o.advertise.host, port: o.advertise.port || rt.addr.port }
      : { host: rt.addr.host === '0.0.0.0' ? defaultAdvertiseHost() : rt.addr.host, port: rt.addr.port };
    const client = advertisedEndpoint(clientTransport.bound(), advertise.host);
    const profile = o.profile ?? 'lan';
    if (!isProfileName(profile)) throw new Error(`unknown profile '${String(profile)}'`);
    const config = defaultSerfConfig(o.name, profileConfig(profile, o.name));
    config.tags = new Map(o.tags ?? []);
    config.tags.set(CLIENT_ADDR_TAG, hostPortText(client.host, client.port));
    if (client.tls) config.tags.set(CLIENT_TLS_TAG, '1');
    // as `serf agent` sets them (DistKV's events are sent without coalescing anyway)
    config.coalescePeriod = 3_000;
    config.quiescentPeriod = 1_000;
    const serf = Serf.create(rt, { config, advertise, ...(o.keyring ? { keyring: o.keyring } : {}) });
    let rpc: AgentRpc | undefined;
    let server: DistkvServer | undefined;
    try {
      if (o.rpcFlags?.get('rpc-addr'))
        rpc = await startAgentRpc(serf, o.rpcFlags, {
          ...(o.logs ? { logs: o.logs } : {}),
          resolveJoin: (a) => resolveJoinAddr(a, DEFAULT_GOSSIP_PORT),
          shutdown: async () => void process.emit('SIGTERM'),
        });
      const joins = await Promise.all((o.join ?? []).map((j) => resolveJoinAddr(j, DEFAULT_GOSSIP_PORT)));
      if (joins.length) {
        const n = await serf.join(joins);
        log.info('joined', { agents: n });
      }
      let node: DistkvNode | undefined;
      const hostmap: Record<string, HostmapEntry> = { ...(o.hostmap ?? {}) };
      // with -data-dir, our changes reach peers only once on disk (lib/data-dir/durable-bus.ts)
      const bus = o.server?.dataDir ? durableBus(serfBus(serf), () => server?.dataDir?.barrier(), log) : serfBus(serf);
      server = new DistkvServer({
        ...(o.server ?? {}),
        name: o.name,
        clock: rt.clock,
        logger: rt.logger,
        clientTransport,
        replica: {
          nodeDropped: (name) => node?.replica?.send('info', { node_drop: [name] }),
          checkDeleted: (nodes) => node?.replica?.checkDeleted(nodes),
          fakeInfo: (msg, broadcast) => node?.replica?.fakeInfo(msg, broadcast),
          // msg_send / msg_monitor ride the same Serf user events
          messages: bus,
          ...(o.root ? { messageRoot: o.root } : {}),
        },
        waitForPeers: async () => {
          const r = node!.startReplica(false);
          await r.whenReady();
        },
      });
      const store = server.store;
      const makeReplica = (loaded: boolean): Replica =>
        new Replica({
          store,
          bus,
          clock: rt.clock,
          random: rt.random,
          logger: rt.logger,
          ...(o.root ? { root: o.root } : {}),
          ...(o.ping ? { ping: o.ping } : {}),
          ...(o.deletePing ? { deletePing: o.deletePing } : {}),
          loaded,
          force: o.server?.force ?? false,
          hostPort: { hostmap, tagLookup: serfTagLookup(serf) },
          connect: peerConnector({
            serf,
            defaultTls: () => client.tls,
            ownTls: () => clientTransport.tlsFiles(),
            ...(o.peerLogin ? { login: o.peerLogin } : {}),
          }),
          bigValues: { peersAreOurs: serfAllOurs(serf) },
          peers: serfPeers(serf),
        });
      node = new DistkvNode(hostmap, rt, serf, server, clientTransport, rpc, log, makeReplica);
      return node;
    } catch (e) {
      await rpc?.close();
      await serf.shutdown().catch(() => undefined);
      await clientTransport.close();
      await rt.close();
      throw e;
    }
  }

  /** SIGHUP: new Serf tags (gossiped now); our `dkv-client` and `dkv-client-tls` tags stay. */
  async setTags(tags: ReadonlyMap<string, string>): Promise<void> {
    const next = new Map(tags);
    next.delete(CLIENT_TLS_TAG);
    for (const k of [CLIENT_ADDR_TAG, CLIENT_TLS_TAG]) {
      const own = this.serf.config.tags.get(k);
      if (own !== undefined) next.set(k, own);
    }
    await this.serf.setTags(next);
  }

  /**
   * SIGHUP: new certificates for the TLS client ports, a loader per client port in order
   * (undefined for plain ones), for the handshakes from now on; a bad one is logged and the old
   * one kept. Returns the errors.
   */
  reloadClientTls(files: readonly ((() => TlsServerFiles) | undefined)[]): string[] {
    return this.clientPorts.reloadTls(files);
  }

  /** SIGHUP: a new config hostmap (the meta tree's hostmap still comes first). */
  setHostmap(h: Readonly<Record<string, HostmapEntry>>): void {
    for (const k of Object.keys(this.hostmap)) delete this.hostmap[k];
    Object.assign(this.hostmap, h);
  }

  private startReplica(loaded: boolean): Replica {
    this.replica ??= this.makeReplica(loaded);
    this.replica.start();
    return this.replica;
  }

  /** Loads/seeds (or syncs, via the replica), then serves; the replica runs from here on. */
  async start(): Promise<ServerState> {
    const state = await this.server.start();
    // with -I/-l/-f the replica starts after the seed (python: the seed itself is not broadcast)
    if (state === 'serving') this.startReplica(true);
    return state;
  }

  /** SIGTERM/SIGINT: leave the cluster (peers see `left`), stop the replica, close everything. */
  stop(leave = true): Promise<void> {
    this.stopping ??= (async () => {
      this.replica?.stop();
      await this.server.stop().catch((e: unknown) => this.log.warn('server stop failed', { error: String(e) }));
      if (leave && this.serf.state() === 'alive')
        await this.serf.leave().catch((e: unknown) => this.log.warn('leave did not complete', { error: String(e) }));
      await this.rpc?.close();
      await this.serf.shutdown().catch(() => undefined);
      await this.rt.close();
    })();
    return this.stopping;
  }
}
