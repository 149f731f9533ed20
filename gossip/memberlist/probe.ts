// SWIM failure detection with Lifeguard (memberlist state.go probe/probeNode and net.go's ping
// handlers): randomised round-robin probing, indirect probes through k peers with nacks, a TCP
// fallback ping, awareness updates, and the suspect message piggybacked to a suspect node so it
// can refute quickly (the "buddy system").
import type { Addr, Millis, Timer } from '../runtime.js';
import { addrKey } from '../runtime.js';
import { encodeMessage } from './codec.js';
import { makeCompound } from './compound.js';
import type { Memberlist } from './memberlist.js';
import type { AckMsg, IndirectPingMsg, NackMsg, PingMsg } from './messages.js';
import { deadOrLeft, ipToString, nodeAddr, NodeStateType, toMemberNode, type NodeRecord } from './node.js';

interface AckHandler {
  ack(payload: Uint8Array, at: Millis): void;
  nack?(): void;
  timer: Timer;
}

type ProbeOutcome = { kind: 'ack'; payload: Uint8Array; at: Millis } | { kind: 'timeout' };

export class Prober {
  private seq = 0;
  private probeIndex = 0;
  private probing = false;
  private readonly handlers = new Map<number, AckHandler>();
  private stopped = false;

  constructor(private readonly m: Memberlist) {}

  nextSeqNo(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  stop(): void {
    this.stopped = true;
    for (const h of this.handlers.values()) h.timer.cancel();
    this.handlers.clear();
  }

  /** One probe-interval tick. A probe still running (scaled by awareness) makes us skip the tick. */
  probeTick(): void {
    if (this.probing) return;
    const st = this.m.state;
    let numCheck = 0;
    for (;;) {
      if (numCheck >= st.nodes.length) return;
      if (this.probeIndex >= st.nodes.length) {
        st.resetNodes();
        this.probeIndex = 0;
        numCheck++;
        continue;
      }
      const node = st.nodes[this.probeIndex]!;
      this.probeIndex++;
      if (node.name === this.m.name || deadOrLeft(node)) {
        numCheck++;
        continue;
      }
      this.probing = true;
      this.m.background(
        'probe',
        this.probeNode({ ...node }).finally(() => {
          this.probing = false;
        }),
      );
      return;
    }
  }

  private selfSource(): { sourceAddr: Uint8Array; sourcePort: number; sourceNode: string } {
    return { sourceAddr: this.m.advertiseAddrBytes(), sourcePort: this.m.advertise.port, sourceNode: this.m.name };
  }

  /** Probes one node; `node` is a snapshot taken when the probe began. */
  async probeNode(node: NodeRecord): Promise<void> {
    const m = this.m;
    const cfg = m.cfg;
    const clock = m.rt.clock;
    const lifeguard = cfg.lifeguard;
    const probeInterval = lifeguard ? m.awareness.scaleTimeout(cfg.probeInterval) : cfg.probeInterval;
    const ping: PingMsg = { type: 'ping', seqNo: this.nextSeqNo(), node: node.name, ...this.selfSource() };

    let nacks = 0;
    let resolveOutcome!: (o: ProbeOutcome) => void;
    const outcome = new Promise<ProbeOutcome>((r) => (resolveOutcome = r));
    this.setHandler(
      ping.seqNo,
      (payload, at) => resolveOutcome({ kind: 'ack', payload, at }),
      () => nacks++,
      probeInterval,
      () => resolveOutcome({ kind: 'timeout' }),
    );

    const sent = clock.now();
    const deadline = sent + probeInterval;
    const addr = nodeAddr(node);
    if (node.state === NodeStateType.Alive || !lifeguard) {
      m.net.sendMsg(addr, ping);
    } else {
      // Lifeguard's buddy system: tell a suspect it is suspected, so it can refute in time.
      const suspect = encodeMessage({ type: 'suspect', incarnation: node.incarnation, node: node.name, from: m.name });
      m.net.rawSendPacket(node, makeCompound([encodeMessage(ping), suspect]));
    }

    let awarenessDelta = -1;
    try {
      const first = await Promise.race([outcome, this.delay(cfg.probeTimeout).then(() => undefined)]);
      if (first?.kind === 'ack') {
        this.notifyPingComplete(node, first.at - sent, first.payload);
        return;
      }
      if (this.stopped) return;

      const peers = m.state.kRandomNodes(
        cfg.indirectChecks,
        (n) => n.name === m.name || n.name === node.name || n.state !== NodeStateType.Alive,
      );
      let expectedNacks = 0;
      for (const peer of peers) {
        const nack = lifeguard && peer.vsn[1] >= 4;
        if (nack) expectedNacks++;
        const ind: IndirectPingMsg = {
          type: 'indirectPing',
          seqNo: ping.seqNo,
          target: node.addr,
          port: node.port,
          node: node.name,
          nack,
          ...this.selfSource(),
        };
        m.net.sendMsg(nodeAddr(peer), ind);
      }

      const fallback =
        !cfg.disableTcpPings && node.vsn[1] >= 3 ? m.streams.sendPingAndWaitForAck(addr, ping, deadline) : Promise.resolve(false);

      const second = await outcome;
      if (second.kind === 'ack') return;
      if (await fallback.catch(() => false)) {
        m.log.warn('was able to connect over TCP but UDP probes failed, network may be misconfigured', { node: node.name });
        return;
      }
      if (this.stopped) return;

      awarenessDelta = 0;
      if (expectedNacks > 0) {
        if (nacks < expectedNacks) awarenessDelta += expectedNacks - nacks;
      } else {
        awarenessDelta += 1;
      }
      m.log.info('suspect node has failed, no acks received', { node: node.name });
      m.state.suspectNode({ type: 'suspect', incarnation: node.incarnation, node: node.name, from: m.name });
    } finally {
      if (lifeguard) m.awareness.applyDelta(awarenessDelta);
    }
  }

  private notifyPingComplete(node: NodeRecord, rtt: Millis, payload: Uint8Array): void {
    const pd = this.m.delegates.ping;
    if (!pd) return;
    try {
      pd.notifyPingComplete(toMemberNode(node), rtt, payload);
    } catch (e) {
      this.m.log.error('ping delegate threw', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private delay(ms: Millis): Promise<void> {
    return new Promise((r) => this.m.setTimer(ms, r));
  }

  private setHandler(
    seqNo: number,
    ack: (payload: Uint8Array, at: Millis) => void,
    nack: (() => void) | undefined,
    timeout: Millis,
    onTimeout?: () => void,
  ): void {
    const timer = this.m.rt.clock.setTimer(timeout, () => {
      if (this.handlers.get(seqNo)?.timer === timer) this.handlers.delete(seqNo);
      onTimeout?.();
    });
    this.handlers.set(seqNo, { ack, nack, timer });
  }

  // ---- handlers for incoming probe traffic ----------------------------------------------------

  handlePing(p: PingMsg, from: Addr): void {
    const m = this.m;
    if (p.node !== '' && p.node !== m.name) {
      m.log.warn('got ping for unexpected node', { node: p.node, from: addrKey(from) });
      return;
    }
    let payload: Uint8Array | null = null;
    if (m.delegates.ping) {
      try {
        payload = m.delegates.ping.ackPayload();
      } catch (e) {
        m.log.error('ping delegate ackPayload threw', { error: e instanceof Error ? e.message : String(e) });
      }
    }
    const to = replyAddr(p.sourceAddr, p.sourcePort, from);
    m.net.sendMsg(to, { type: 'ack', seqNo: p.seqNo, payload } satisfies AckMsg);
  }

  handleIndirectPing(ind: IndirectPingMsg, from: Addr): void {
    const m = this.m;
    const port = m.cfg.protocolVersion < 2 || ind.port === 0 ? m.advertise.port : ind.port;
    const localSeq = this.nextSeqNo();
    const back = replyAddr(ind.sourceAddr, ind.sourcePort, from);
    let answered = false;
    this.setHandler(
      localSeq,
      () => {
        answered = true;
        m.net.sendMsg(back, { type: 'ack', seqNo: ind.seqNo, payload: null });
      },
      undefined,
      m.cfg.probeTimeout,
    );
    m.net.sendMsg({ host: ipToString(ind.target), port }, { type: 'ping', seqNo: localSeq, node: ind.node, ...this.selfSource() });
    if (ind.nack) {
      m.setTimer(m.cfg.probeTimeout, () => {
        if (!answered) m.net.sendMsg(back, { type: 'nack', seqNo: ind.seqNo } satisfies NackMsg);
      });
    }
  }

  handleAck(a: AckMsg): void {
    const h = this.handlers.get(a.seqNo);
    if (!h) return;
    this.handlers.delete(a.seqNo);
    h.timer.cancel();
    h.ack(a.payload ?? new Uint8Array(0), this.m.rt.clock.now());
  }

  handleNack(n: NackMsg): void {
    this.handlers.get(n.seqNo)?.nack?.();
  }
}

function replyAddr(sourceAddr: Uint8Array | undefined, sourcePort: number | undefined, from: Addr): Addr {
  if (sourceAddr && sourceAddr.length > 0 && sourcePort && sourcePort > 0) return { host: ipToString(sourceAddr), port: sourcePort };
  return from;
}
