// One DistKV server process, this far: a Store, the client port, persistence. Replication plugs
// in through `replica` (ReplicaHook: local changes are handed to it as they are applied) and
// `waitForPeers` (python: a server with no data is not ready until it synced from a peer).
import { SubLogger, type Clock, type Logger, type StreamTransport } from '../gossip/runtime.js';
import type { Value } from '../store/codec.js';
import { Store } from '../store/store.js';
import { ClientListener } from './client-protocol/listener.js';
import type { ReplicaHook, ServerContext } from './client-protocol/context.js';
import { FilePersistence, loadFile } from './client-protocol/persistence.js';
import { DataDir, type FsyncPolicy } from './data-dir/data-dir.js';
import type { AuthOptions } from './auth/session.js';
import { CommandTimers } from './metrics/histogram.js';

export interface DistkvServerOptions {
  /** The node name (unique in the cluster). */
  name: string;
  clock: Clock;
  logger: Logger;
  /** Where clients connect (the client port); the server starts accepting once it is ready. */
  clientTransport: StreamTransport;
  /** `-I`: a new cluster's root value (python: tick 1 on this node). */
  init?: Value;
  /** `-l`: files to load before serving (python `Server.load`, concatenated). */
  load?: string[];
  /** `-a`: after loading, every tick still missing counts as superseded. */
  authoritative?: boolean;
  /** `-s`: a change log started at once (with a full snapshot unless `incremental`). */
  save?: string;
  incremental?: boolean;
  /** `-f`: serve even without data from -I/-l or peers (a lone node starting empty). */
  force?: boolean;
  /** Flow-control window offered to clients (python `server.buffer`). */
  qlen?: number;
  maxMessageBytes?: number;
  replica?: ReplicaHook;
  /** `-data-dir`: our own snapshots + change logs, restored at start (lib/data-dir/). */
  dataDir?: { dir: string; fsync?: FsyncPolicy; rotateBytes?: number; keep?: number };
  /**
   * Replication: a server without data (no -I/-l/-f) waits for this (the replica's initial sync)
   * before it serves. Absent = it cannot get data, so it stays waiting.
   */
  waitForPeers?: () => Promise<void>;
  /** Auth options, e.g. hardened password records (config `auth.hardened`, docs/auth.md). */
  auth?: AuthOptions;
  /** Time every request per command for /metrics (default true; the bench turns it off to price it). */
  timeRequests?: boolean;
}

export type ServerState = 'serving' | 'waiting-for-peers';

export class DistkvServer {
  readonly store: Store;
  readonly persistence: FilePersistence;
  readonly listener: ClientListener;
  readonly log: SubLogger;
  /** For /metrics: client connections accepted and requests received. */
  readonly counters = { connections: 0, commands: 0 };
  /** For /metrics: request latency per command (undefined with `timeRequests: false`). */
  readonly timers: CommandTimers | undefined;
  /** Open from start() to stop() when `dataDir` is given. */
  dataDir: DataDir | undefined;
  private offChange: (() => void) | undefined;
  private stopped = false;

  constructor(readonly opts: DistkvServerOptions) {
    this.store = new Store(opts.name);
    this.log = new SubLogger(opts.logger, 'server');
    this.persistence = new FilePersistence(this.store, opts.clock, opts.logger);
    this.timers = opts.timeRequests === false ? undefined : new CommandTimers();
    const ctx: ServerContext = {
      store: this.store,
      logger: opts.logger,
      qlen: opts.qlen ?? 10,
      watchBuffer: 100,
      maxMessageBytes: opts.maxMessageBytes ?? 16 << 20,
      replica: opts.replica,
      persistence: this.persistence,
      durable: () => this.dataDir?.barrier(),
      counters: this.counters,
      ...(this.timers ? { timers: this.timers } : {}),
      ...(opts.auth ? { auth: opts.auth } : {}),
    };
    this.listener = new ClientListener(ctx, opts.clientTransport);
    const replica = opts.replica;
    if (replica?.localChange) this.offChange = this.store.onChange((ev) => ev.origin === 'local' && replica.localChange!(ev));
  }

  /**
   * Loads/initialises, then opens the client port when the server has data (python prints
   * "Running." then). Without data it waits for peers — which cannot come yet.
   */
  async start(): Promise<ServerState> {
    const o = this.opts;
    let init = o.init;
    if (o.dataDir) {
      const dd = await DataDir.open({ ...o.dataDir, store: this.store, clock: o.clock, logger: o.logger });
      if (this.stopped) {
        // stop() ran while the directory was being opened: give its lock back
        await dd.close();
        throw new Error('server stopped while starting');
      }
      this.dataDir = dd;
      await this.dataDir.restore();
      if (init !== undefined && this.store.tick !== null) {
        // a restart with the same command line: the data directory is the cluster's data now
        this.log.warn('-I/--init ignored: the data directory has data', { dir: o.dataDir.dir });
        init = undefined;
      }
    }
    for (const f of o.load ?? []) {
      const sum = await loadFile(this.store, f, o.authoritative ?? false);
      this.log.info('loaded', { file: f, ...sum.updates, states: sum.states, unknown: sum.unknown });
    }
    if (o.load?.length) this.store.markReady();
    if (init !== undefined) {
      if (this.store.tick !== null) throw new Error('-I/--init: this server already has data');
      this.store.markReady();
      this.store.setValue([], init);
    }
    if (this.store.tick === null && !o.force && o.waitForPeers) {
      this.log.info('no data (-I or -l): waiting for peers to sync from', { node: o.name });
      await o.waitForPeers();
    }
    if (this.store.tick === null) {
      if (!o.force) {
        this.log.warn('no data (-I or -l) and replication is not built yet: waiting for peers that cannot come; use -f to serve as a lone node', {
          node: o.name,
        });
        return 'waiting-for-peers';
      }
      this.store.markReady();
    }
    await this.dataDir?.begin();
    if (o.save) await this.persistence.log(o.save, !o.incremental);
    this.listener.start();
    this.log.info('serving clients', { node: o.name, addr: o.clientTransport.localAddr(), tick: this.store.tick });
    return 'serving';
  }

  /** Clean shutdown: clients closed, the change log flushed and closed, the port closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.offChange?.();
    this.log.info('stopping', { node: this.opts.name, clients: this.listener.connectionCount });
    this.listener.closeAll();
    await this.persistence.close();
    await this.dataDir?.close();
    await this.opts.clientTransport.close();
    this.log.info('stopped', { node: this.opts.name });
  }
}
