// A deliberately small protocol to drive the simulator before real gossip exists: each node
// publishes message ids now and then, floods every id it has not seen to `fanout` random peers
// over datagrams, and every so often syncs its whole id set with one random peer over a stream
// (which is what repairs loss and partitions, and exercises the stream transport).
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

const PKT_ID = 1;
const enc = new TextEncoder();
const dec = new TextDecoder();

function frame(ids: Iterable<string>): Uint8Array {
  const body = enc.encode([...ids].join('\n'));
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Collects one length-prefixed frame from a stream. */
function readFrame(s: Stream, onFrame: (ids: string[]) => void): void {
  let buf = new Uint8Array(0);
  s.onData((chunk) => {
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf);
    next.set(chunk, buf.length);
    buf = next;
    if (buf.length < 4) return;
    const len = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
    if (buf.length < 4 + len) return;
    const text = dec.decode(buf.subarray(4, 4 + len));
    buf = new Uint8Array(0);
    onFrame(text ? text.split('\n') : []);
  });
}

export class FloodNode implements SimNode {
  readonly known = new Set<string>();
  /** Ids this node published in this life. */
  readonly published: string[] = [];
  syncsDone = 0;
  syncsFailed = 0;
  private seq = 0;
  private publishTimer: Timer | undefined;
  private syncTimer: Timer | undefined;
  private stopped = false;
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
  }

  private jittered(mean: number): number {
    return mean * (0.5 + this.rt.random.next());
  }

  private schedulePublish(): void {
    this.publishTimer = this.rt.clock.setTimer(this.jittered(this.opts.publishEveryMs), () => {
      if (this.stopped || this.rt.clock.now() >= this.opts.publishUntilMs) return;
      this.publish();
      this.schedulePublish();
    });
  }

  /** Publishes a fresh id; returns it. */
  publish(): string {
    const id = `${this.rt.name}.${this.rt.life}.${this.seq++}`;
    this.published.push(id);
    this.learn(id, undefined);
    return id;
  }

  private learn(id: string, from: Addr | undefined): void {
    if (this.known.has(id)) return;
    this.known.add(id);
    this.forward(id, from);
  }

  private forward(id: string, from: Addr | undefined): void {
    const n = this.peers.length;
    if (n === 0) return;
    const body = enc.encode(id);
    const pkt = new Uint8Array(body.length + 1);
    pkt[0] = PKT_ID;
    pkt.set(body, 1);
    const k = Math.min(this.opts.fanout, n);
    for (let i = 0; i < k; i++) {
      const to = this.peers[this.rt.random.int(n)]!;
      if (from !== undefined && to.host === from.host && to.port === from.port) continue;
      this.rt.packets.sendTo(to, pkt);
    }
  }

  private onPacket(from: Addr, bytes: Uint8Array): void {
    if (this.stopped || bytes.length < 2 || bytes[0] !== PKT_ID) return;
    this.learn(dec.decode(bytes.subarray(1)), from);
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
