// One DistKV server in the simulator: the real Store + Replica on our Serf on our memberlist,
// with its change log on the simulated disk (disk-log.ts), so a crash keeps every acknowledged
// write and a restart reloads it. Each serves the real client protocol on its client port once
// ready, and the initial sync, check_deleted and big-value fetches are real client sessions to the
// peer's port over simulated streams (client-port.ts), found through the peer's Serf tag as
// lib/node.ts does; `syncSessions: 'in-process'` calls the peer's Store directly instead.
import { lanConfig } from '../../gossip/memberlist/config.js';
import { defaultSerfConfig } from '../../gossip/serf/config.js';
import { ipToBytes, NodeStateType } from '../../gossip/memberlist/node.js';
import { Serf } from '../../gossip/serf/serf.js';
import type { Addr, Random } from '../../gossip/runtime.js';
import type { NodeFactory, SimNode, SimRuntime, Simulation } from '../../sim/simulation.js';
import type { ActorConfig } from '../../store/actor/index.js';
import { Replica } from '../../store/replica.js';
import { CLIENT_ADDR_TAG, serfBus, serfPeers, serfTagLookup, type EventBus } from '../../store/replication/bus.js';
import { storeSyncSession, type SyncConnector } from '../../store/replication/sync.js';
import type { ClientListener } from '../client-protocol/listener.js';
import { serveClientPort, SIM_CLIENT_PORT, simSyncConnector } from './client-port.js';
import { Store } from '../../store/store.js';
import { DiskLog } from './disk-log.js';

export interface ReplicaSimOptions {
  /** The node that seeds the root (`-I`) on its first life; default: the first node defined. */
  seedNode?: string;
  /** DistKV `server.ping` (seconds); default cycle 3, gap 1 (short runs; python: 10 / 2). */
  ping?: { cycle: number; gap: number };
  /** DistKV `server.delete` actor config. */
  deletePing?: Partial<ActorConfig>;
  /** Serf's user-event buffer (small = Serf's push-pull cannot replay what a partition missed). */
  eventBuffer?: number;
  /** Big values by notice + fetch between our servers, above this many packed bytes. */
  bigValueBytes?: number;
  /** Keep a change log on the simulated disk and reload it on restart (default true). */
  durable?: boolean;
  /** Nodes that cannot fetch big values nor pull (tests: the gap-repair fallback); read at each fetch. */
  noFetch?: ReadonlySet<string>;
  /** Messages lost between the replica and Serf (DistKV's test_recover drops, see lossyBus). */
  busLoss?: BusLoss;
  /** Peer sessions pull missing ticks before asking by broadcast (replication/pull.ts; default true). */
  pull?: boolean;
  /** Benchmarks: told the client-protocol bytes of every peer session (sent and received; in-process: storeSyncSession's estimate). */
  syncMeter?: (bytes: number) => void;
  /**
   * Benchmarks: every node starts knowing every other as alive (memberlist preload, no join
   * storm) and with the data `initial` puts in its store, ready at once (as if loaded from a
   * file). Only for a first life; a restart joins and loads its disk as usual.
   */
  preloaded?: { initial?: (store: Store) => void };
  /**
   * How peer sessions reach the peer: 'client-protocol' (default) over the simulated network to
   * its client port; 'in-process' calls its Store directly while `sim.reachable` (no client port,
   * no stream traffic: faster, but the client protocol, its timeouts and broken streams untested).
   */
  syncSessions?: 'client-protocol' | 'in-process';
}

/** Probabilities of dropping a message at the bus, by direction and kind (actor = ping/del). */
export interface BusLoss {
  actorSend: number;
  actorReceive: number;
  serverSend: number;
  serverReceive: number;
}

/**
 * DistKV's test_recover harness drops messages in the server itself (its mock backend), not on
 * the network: a dropped send never leaves, a dropped receive is never seen by this server.
 */
export function lossyBus(bus: EventBus, loss: BusLoss, random: Random): EventBus {
  const actor = (name: string) => name.endsWith('.ping') || name.endsWith('.del');
  return {
    send: (name, payload) => (random.next() < (actor(name) ? loss.actorSend : loss.serverSend) ? true : bus.send(name, payload)),
    onEvent: (h) => bus.onEvent((name, payload) => void (random.next() < (actor(name) ? loss.actorReceive : loss.serverReceive) ? undefined : h(name, payload))),
    // membership is not a message: the drops do not apply to it
    ...(bus.onMembersJoined ? { onMembersJoined: bus.onMembersJoined.bind(bus) } : {}),
  };
}

export class ReplicaSimNode implements SimNode {
  constructor(
    readonly serf: Serf,
    readonly replica: Replica,
    readonly disk: DiskLog | undefined,
    /** The store came from the disk (a restart of a node that had been ready). */
    readonly reloaded: boolean,
    /** The client port (undefined with in-process sessions). */
    readonly clientPort?: ClientListener,
  ) {}

  get store(): Store {
    return this.replica.store;
  }

  async stop(): Promise<void> {
    this.disk?.close();
    this.clientPort?.closeAll();
    await this.clientPort?.transport.close();
    this.replica.stop();
    await this.serf.shutdown();
  }
}

/** The factory of every node of a simulated DistKV cluster (the simulation is needed for sync). */
export function replicaFactory(sim: Simulation<ReplicaSimNode>, o: ReplicaSimOptions = {}): NodeFactory<ReplicaSimNode> {
  return (rt: SimRuntime): ReplicaSimNode => {
    const seedNode = o.seedNode ?? sim.names()[0]!;
    const cfg = defaultSerfConfig(rt.name, lanConfig(rt.name));
    cfg.reconnectInterval = 3_000;
    if (o.eventBuffer) cfg.eventBuffer = o.eventBuffer;
    const inProcess = o.syncSessions === 'in-process';
    // where peers find our client port (lib/node.ts sets the same tag)
    if (!inProcess) cfg.tags.set(CLIENT_ADDR_TAG, `${rt.addr.host}:${SIM_CLIENT_PORT}`);
    const serf = Serf.create(rt, { config: cfg });
    const store = new Store(rt.name);
    const durable = o.durable ?? true;
    const preloaded = o.preloaded && rt.life === 0 ? o.preloaded : undefined;
    if (preloaded) {
      preloaded.initial?.(store);
      preloadMembers(serf, sim, rt);
    }
    const opened = durable ? DiskLog.open(store, rt.disk) : undefined;
    const seeds = rt.name === seedNode && rt.life === 0 && !opened?.loaded && !preloaded;
    const bus = serfBus(serf);
    const connector: SyncConnector = inProcess
      ? async (peer) => {
          const p = sim.node(peer.name);
          if (!p || !sim.reachable(rt.name, peer.name)) throw new Error(`${peer.name} is unreachable`);
          return storeSyncSession(p.store, (nodes) => p.replica.checkDeleted(nodes), o.syncMeter);
        }
      : simSyncConnector(rt, (host) => (sim.names().includes(host) ? sim.addrOf(host) : undefined), o.syncMeter ? { meter: o.syncMeter } : {});
    const replica = new Replica({
      store,
      bus: o.busLoss ? lossyBus(bus, o.busLoss, rt.random.fork('bus-loss')) : bus,
      clock: rt.clock,
      random: rt.random.fork('replica'),
      logger: rt.logger,
      ping: o.ping ?? { cycle: 3, gap: 1 },
      ...(o.deletePing ? { deletePing: o.deletePing } : {}),
      ...(seeds ? { init: 'seed' } : {}),
      ...(opened?.loaded || preloaded ? { loaded: true } : {}),
      ...(o.bigValueBytes !== undefined ? { bigValues: { peersAreOurs: () => true, thresholdBytes: o.bigValueBytes } } : {}),
      ...((o.pull ?? true) ? { peers: serfPeers(serf, { allOurs: true }) } : {}),
      ...(inProcess ? {} : { hostPort: { tagLookup: serfTagLookup(serf) } }),
      connect: async (peer) => {
        const s = await connector(peer);
        if (o.noFetch?.has(rt.name)) {
          delete s.getValue;
          delete s.getTicks;
        }
        return s;
      },
    });
    replica.start();
    const clientPort = inProcess ? undefined : serveClientPort(rt, replica, bus);
    if (opened) void replica.whenReady().then(() => opened.log.markReady());
    if (!preloaded && (rt.name !== seedNode || rt.life > 0)) joinSomebody(serf, rt, seedNode);
    return new ReplicaSimNode(serf, replica, opened?.log, opened?.loaded ?? false, clientPort);
  };
}

/** Every defined node, alive, as if learnt from a push-pull (memberlist `preload`). */
function preloadMembers(serf: Serf, sim: Simulation<ReplicaSimNode>, rt: SimRuntime): void {
  const ml = serf.memberlist;
  const vsn = ml.buildVsn();
  ml.preload(
    sim
      .names()
      .filter((n) => n !== rt.name)
      .map((n) => {
        const a = sim.addrOf(n);
        return { name: n, addr: ipToBytes(a.host)!, port: a.port, meta: null, incarnation: 1, state: NodeStateType.Alive, vsn };
      }),
  );
}

/**
 * Joins the seed node and two random others; when none answers (all down or cut off), tries
 * three random others every 5 s until one does.
 */
function joinSomebody(serf: Serf, rt: SimRuntime, seedNode: string): void {
  const others = rt.peers();
  const pick = (n: number): Addr[] => rt.random.shuffle([...others]).slice(0, n);
  const str = (a: Addr) => `${a.host}:${a.port}`;
  const attempt = (targets: Addr[]): void => {
    void serf
      .join(targets.map(str))
      .catch(() => 0)
      .then((joined) => {
        if (!joined && serf.state() === 'alive') rt.clock.setTimer(5_000, () => attempt(pick(3)));
      });
  };
  const first = rt.name === seedNode ? [] : [rt.addrOf(seedNode)];
  attempt([...first, ...pick(2)]);
}
