// The smallest Serf citizen that a real Serf cluster treats as a proper member, for when the full
// Serf layer is not wanted (or not there yet): it publishes its tags as memberlist metadata the
// way Serf encodes them, keeps a Lamport clock in step with the cluster's join/leave intents, and
// announces a graceful leave with Serf's leave intent, so agents show it `left` (not `failed`).
import type { Memberlist } from '../../gossip/memberlist/memberlist.js';
import { TransmitLimitedQueue } from '../../gossip/memberlist/broadcast.js';
import type { Delegate } from '../../gossip/memberlist/delegate.js';
import { decodeMessage, encodeMessage } from '../../gossip/serf/codec.js';
import { LamportClock } from '../../gossip/serf/lamport.js';
import { MessageType } from '../../gossip/serf/messages.js';
import { encodeTags } from '../../gossip/serf/tags.js';
import { sleep, type Millis } from '../../gossip/runtime.js';

export class TagMember implements Delegate {
  readonly clock = new LamportClock();
  private ml: Memberlist | undefined;
  private queue: TransmitLimitedQueue | undefined;
  private meta: Uint8Array;

  constructor(
    readonly name: string,
    tags: ReadonlyMap<string, string>,
    private readonly retransmitMult = 4,
  ) {
    this.meta = tags.size > 0 ? encodeTags(tags) : new Uint8Array(0);
  }

  /** Binds to the memberlist node this delegate serves (after Memberlist.create). */
  attach(ml: Memberlist): void {
    this.ml = ml;
    this.queue = new TransmitLimitedQueue(this.retransmitMult, () => ml.numMembers());
  }

  nodeMeta(): Uint8Array {
    return this.meta;
  }

  /** New tags; call ml.updateNode afterwards to gossip them. */
  setTags(tags: ReadonlyMap<string, string>): void {
    this.meta = tags.size > 0 ? encodeTags(tags) : new Uint8Array(0);
  }

  notifyMsg(msg: Uint8Array): void {
    this.witness(msg);
  }

  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    return this.queue?.getBroadcasts(overhead, limit) ?? [];
  }

  localState(): Uint8Array {
    return new Uint8Array(0);
  }

  mergeRemoteState(buf: Uint8Array): void {
    this.witness(buf);
  }

  private witness(buf: Uint8Array): void {
    try {
      const m = decodeMessage(buf);
      if (m.type === MessageType.Join || m.type === MessageType.Leave || m.type === MessageType.PushPull) this.clock.witness(m.msg.ltime);
    } catch {
      // Not ours to judge: a full Serf would log it; we only follow the clock.
    }
  }

  /** Serf's graceful leave: the leave intent first (so peers record `left`), then memberlist's leave. */
  async leave(timeout: Millis): Promise<void> {
    const ml = this.ml;
    if (!ml || !this.queue) return;
    if (ml.numMembers() > 1) {
      const msg = encodeMessage({ type: MessageType.Leave, msg: { ltime: this.clock.increment(), node: this.name, prune: false } });
      let done = false;
      this.queue.queueBroadcast({ unique: true, message: () => msg, finished: () => (done = true) });
      const until = ml.rt.clock.now() + timeout / 2;
      while (!done && ml.rt.clock.now() < until) await sleep(ml.rt.clock, ml.cfg.gossipInterval);
    }
    await ml.leave(timeout / 2);
  }
}
