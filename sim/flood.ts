// A deliberately small protocol to drive the simulator before real gossip exists: each node
// publishes message ids now and then, floods every id it has not seen to `fanout` random peers
// over datagrams, and every so often syncs its whole id set with one random peer over a stream
// (which is what repairs loss and partitions, and exercises the stream transport).
// Ids are numbers (origin index, life, sequence) so the protocol costs little next to the
// simulator it is meant to measure.
import { TransportError, type Addr, type Stream, type Timer } from '../gossip/runtime.js';
import type { SimNode, SimRuntime } from './simulation.js';

export interface FloodOptions {
  /** Peers each new id is forwarded to. */
  fanout: number;
  /** Mean interval between a node's own publications (0: never publishes on its own). */
  publishEveryMs: number;
  /** No own publications at or after this virtual time (lets a run go quiet). */
  publishUntilMs: number;
  /** Mean interval between anti-entropy syncs (0: none). */
  syncEveryMs: number;
  syncTimeoutMs: number;
}

export const DEFAULT_FLOOD: FloodOptions = {
  fanout: 3,
  publishEveryMs: 5000,
  publishUntilMs: Infinity,
  syncEveryMs: 2000,
  syncTimeoutMs: 1000,
};

/** A message id: origin node index (< 2^20), its life (< 2^8), sequence (< 2^24), in 52 bits. */
export type FloodId = number;

export function floodId(origin: number, life: number, seq: number): FloodId {
  return (origin * 256 + (life & 255)) * 16777216 + seq;
}

export function describeFloodId(id: FloodId): string {
  const seq = id % 16777216;
  const rest = Math.floor(id / 16777216);
  return `n${Math.floor(rest / 256)}.${rest % 256}.${seq}`;
}

const PKT_ID = 1;

/** 7 little-endian bytes of a 52-bit id at `off`. */
function putId(b: Uint8Array, off: number, id: FloodId): void {
  const lo = id % 4294967296;
  const hi = Math.floor(id / 4294967296);
  b[off] = lo & 255;
  b[off + 1] = (lo >>> 8) & 255;
  b[off + 2] = (lo >>> 16) & 255;
  b[off + 3] = (lo >>> 24) & 255;
  b[off + 4] = hi & 255;
  b[off + 5] = (hi >>> 8) & 255;
  b[off + 6] = (hi >>> 16) & 255;
}

function getId(b: Uint8Array, off: number): FloodId {
  const lo = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  const hi = b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16);
  return hi * 4294967296 + lo;
}

/** Sync frame: u32 count, then 7 bytes per id. */
function frame(ids: Set<FloodId>): Uint8Array {
  const out = new Uint8Array(4 + 7 * ids.size);
  new DataView(out.buffer).setUint32(0, ids.size);
  let off = 4;
  for (const id of ids) {
    putId(out, off, id);
    off += 7;
  }
  return out;
}

/** Collects one sync frame from a stream. */
function readFrame(s: Stream, onFrame: (ids: FloodId[]) => void): void {
  const chunks: Uint8Array[] = [];
  let have = 0;
  let want = -1;
  s.onData((chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    if (want < 0 && have >= 4) {
      const head = chunks.length === 1 ? chunks[0]! : concat(chunks, have);
      want = 4 + 7 * new DataView(head.buffer, head.byteOffset).getUint32(0);
    }
    if (want < 0 || have < want) return;
    const buf = concat(chunks, have);
    const ids: FloodId[] = [];
    for (let off = 4; off + 7 <= want; off += 7) ids.push(getId(buf, off));
    chunks.length = 0;
    have = 0;
    want = -1;
    onFrame(ids);
  });
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export class FloodNode implements SimNode {
  readonly known = new Set<FloodId>();
  /** Ids this node published in this life. */
  readonly published: FloodId[] = [];
  syncsDone = 0;
  syncsFailed = 0;
  private seq = 0;
  private publishTimer: Timer | undefined;
  private syncTimer: Timer | undefined;
  private stopped = false;
  private started = false;
  private readonly peers: Addr[];
  private readonly opts: FloodOptions;

  constructor(
    private readonly rt: SimRuntime,
    opts: Partial<FloodOptions> = {},
  ) {
    this.opts = { ...DEFAULT_FLOOD, ...opts };
    this.peers = rt.peers();
    rt.packets.onPacket((from, bytes) => this.onPacket(from, bytes));
    rt.streams.onStream((s) => this.serveSync(s));
    if (this.opts.publishEveryMs > 0) this.schedulePublish();
    if (this.opts.syncEveryMs > 0) this.scheduleSync();
    this.started = true;
  }

  /** Next interval around `mean`; the first is uniform in [0, mean) so nodes do not march in step. */
  private jittered(mean: number): number {
    return mean * (this.started ? 0.5 + this.rt.random.next() : this.rt.random.next());
  }

  private schedulePublish(): void {
    this.publishTimer = this.rt.clock.setTimer(this.jittered(this.opts.publishEveryMs), () => {
      if (this.stopped || this.rt.clock.now() >= this.opts.publishUntilMs) return;
      this.publish();
      this.schedulePublish();
    });
  }

  /** Publishes a fresh id; returns it. */
  publish(): FloodId {
    const id = floodId(this.rt.index, this.rt.life, this.seq++);
    this.published.push(id);
    this.learn(id, undefined);
    return id;
  }

  private learn(id: FloodId, from: Addr | undefined): void {
    if (this.known.has(id)) return;
    this.known.add(id);
    this.forward(id, from);
  }

  private forward(id: FloodId, from: Addr | undefined): void {
    const n = this.peers.length;
    if (n === 0) return;
    const pkt = new Uint8Array(8);
    pkt[0] = PKT_ID;
    putId(pkt, 1, id);
    const k = Math.min(this.opts.fanout, n);
    for (let i = 0; i < k; i++) {
      const to = this.peers[this.rt.random.int(n)]!;
      if (from !== undefined && to.host === from.host && to.port === from.port) continue;
      this.rt.packets.sendTo(to, pkt);
    }
  }

  private onPacket(from: Addr, bytes: Uint8Array): void {
    if (this.stopped || bytes.length !== 8 || bytes[0] !== PKT_ID) return;
    this.learn(getId(bytes, 1), from);
  }

  private scheduleSync(): void {
    this.syncTimer = this.rt.clock.setTimer(this.jittered(this.opts.syncEveryMs), () => {
      if (this.stopped) return;
      void this.syncOnce();
      this.scheduleSync();
    });
  }

  /** Pushes our ids to a random peer and merges its reply. */
  async syncOnce(): Promise<void> {
    if (this.peers.length === 0) return;
    const to = this.peers[this.rt.random.int(this.peers.length)]!;
    let s: Stream;
    try {
      s = await this.rt.streams.connect(to, this.opts.syncTimeoutMs);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      this.syncsFailed++;
      return;
    }
    await new Promise<void>((resolve) => {
      readFrame(s, (ids) => {
        for (const id of ids) this.learn(id, to);
        this.syncsDone++;
        s.end();
      });
      s.onClose((err) => {
        if (err) this.syncsFailed++;
        resolve();
      });
      s.write(frame(this.known));
    });
  }

  private serveSync(s: Stream): void {
    readFrame(s, (ids) => {
      // Reply with what we knew before merging, as a real push-pull would.
      s.write(frame(this.known));
      for (const id of ids) this.learn(id, s.remote);
    });
    s.onClose(() => {});
  }

  stop(): void {
    this.stopped = true;
    this.publishTimer?.cancel();
    this.syncTimer?.cancel();
  }
}
