// memberlist's TCP exchanges (net.go): push-pull anti-entropy (periodic, and on join), the TCP
// fallback ping, and reliable user messages. Framing (compress/encrypt layers) is stream.ts's;
// this file decides who sends what when, and merges what comes back.
import { DecodeError } from '../decode-error.js';
import type { Addr, Millis, Stream } from '../runtime.js';
import { addrKey, TransportError } from '../runtime.js';
import { encodeMessage } from './codec.js';
import type { Memberlist } from './memberlist.js';
import type { PingMsg, PushNodeState, StreamMessage } from './messages.js';
import { nodeAddr, NodeStateType, type MemberNode, type Vsn } from './node.js';
import { encodePushPull, encodeStreamFrame, encodeUserStream, readStreamMessage } from './stream.js';
import { StreamReader } from './stream-reader.js';
import { errText } from './net.js';

/** memberlist's maxPushPullRequests: inbound push-pulls handled at once. */
const MAX_PUSH_PULL_REQUESTS = 128;
const PUSH_PULL_SCALE_THRESHOLD = 32;

/** Push-pull interval scaled up for clusters above 32 nodes (memberlist pushPullScale). */
export function pushPullScale(interval: Millis, n: number): Millis {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return interval;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * interval;
}

/**
 * memberlist verifyProtocol: every alive node's current protocol and delegate versions must lie
 * within the range all alive nodes (remote list and ours) understand. Returns an error text.
 */
export function verifyProtocol(
  remote: readonly PushNodeState[],
  local: readonly { name: string; state: number; vsn: Vsn }[],
): string | undefined {
  let maxpmin = 0;
  let minpmax = 255;
  let maxdmin = 0;
  let mindmax = 255;
  for (const rn of remote) {
    if (rn.state !== NodeStateType.Alive || rn.vsn.length === 0) continue;
    maxpmin = Math.max(maxpmin, rn.vsn[0] ?? 0);
    minpmax = Math.min(minpmax, rn.vsn[1] ?? 0);
    maxdmin = Math.max(maxdmin, rn.vsn[3] ?? 0);
    mindmax = Math.min(mindmax, rn.vsn[4] ?? 0);
  }
  for (const n of local) {
    if (n.state !== NodeStateType.Alive) continue;
    maxpmin = Math.max(maxpmin, n.vsn[0]);
    minpmax = Math.min(minpmax, n.vsn[1]);
    maxdmin = Math.max(maxdmin, n.vsn[3]);
    mindmax = Math.min(mindmax, n.vsn[4]);
  }
  const check = (name: string, pcur: number, dcur: number): string | undefined => {
    if (pcur < maxpmin || pcur > minpmax) return `node '${name}' protocol version (${pcur}) is incompatible: [${maxpmin}, ${minpmax}]`;
    if (dcur < maxdmin || dcur > mindmax) return `node '${name}' delegate protocol version (${dcur}) is incompatible: [${maxdmin}, ${mindmax}]`;
    return undefined;
  };
  for (const n of remote) {
    const err = check(n.name, n.vsn.length > 0 ? (n.vsn[2] ?? 0) : 0, n.vsn.length > 0 ? (n.vsn[5] ?? 0) : 0);
    if (err) return err;
  }
  for (const n of local) {
    const err = check(n.name, n.vsn[2], n.vsn[5]);
    if (err) return err;
  }
  return undefined;
}

export class TcpExchange {
  private inFlightPushPulls = 0;
  private readonly open = new Set<Stream>();

  constructor(private readonly m: Memberlist) {}

  /** Streams not yet closed (a leak check for tests). */
  openCount(): number {
    return this.open.size;
  }

  stop(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  /** Every stream gets a reader at once: it owns the stream's data and close handlers. */
  private track(s: Stream): StreamReader {
    this.open.add(s);
    return new StreamReader(s, this.m.rt.clock, () => this.open.delete(s));
  }

  private deadline(): Millis {
    return this.m.rt.clock.now() + this.m.cfg.tcpTimeout;
  }

  /** Frames and writes one stream message (compressed and encrypted as configured). */
  send(stream: Stream, plain: Uint8Array): void {
    const m = this.m;
    stream.write(
      encodeStreamFrame(plain, {
        compress: m.cfg.enableCompression,
        ...(m.keyring && m.cfg.gossipVerifyOutgoing ? { keyring: m.keyring, random: m.rand.crypto } : {}),
        encryptionVersion: m.encryptionVersion(),
      }),
    );
  }

  private read(reader: StreamReader, deadline: Millis): Promise<StreamMessage> {
    const opts = { ...(this.m.keyring ? { keyring: this.m.keyring } : {}), verifyIncoming: this.m.cfg.gossipVerifyIncoming };
    return reader.read((buf) => {
      const r = readStreamMessage(buf, opts);
      return r ? { value: r.msg, consumed: r.consumed } : null;
    }, deadline);
  }

  /** Serves one inbound stream. */
  async handleConn(stream: Stream): Promise<void> {
    const m = this.m;
    const reader = this.track(stream);
    const deadline = this.deadline();
    try {
      let msg: StreamMessage;
      try {
        msg = await this.read(reader, deadline);
      } catch (e) {
        if (e instanceof TransportError && e.code === 'closed') return;
        m.log.error('failed to receive stream message', { from: addrKey(stream.remote), error: errText(e) });
        if (e instanceof DecodeError) this.send(stream, encodeMessage({ type: 'err', error: e.message }));
        return;
      }
      switch (msg.type) {
        case 'user':
          m.net.deliverUser(msg.payload);
          return;
        case 'pushPull': {
          this.inFlightPushPulls++;
          try {
            if (this.inFlightPushPulls >= MAX_PUSH_PULL_REQUESTS) {
              m.log.error('too many pending push/pull requests');
              return;
            }
            this.sendLocalState(stream, msg.join);
            const err = this.mergeRemoteState(msg.join, msg.nodes, msg.userState);
            if (err) m.log.error('failed push/pull merge', { from: addrKey(stream.remote), error: err });
          } finally {
            this.inFlightPushPulls--;
          }
          return;
        }
        case 'ping':
          if (msg.node !== '' && msg.node !== m.name) {
            m.log.warn('got TCP ping for unexpected node', { node: msg.node, from: addrKey(stream.remote) });
            return;
          }
          this.send(stream, encodeMessage({ type: 'ack', seqNo: msg.seqNo, payload: null }));
          return;
        default:
          m.log.error('received invalid stream message type', { type: msg.type, from: addrKey(stream.remote) });
      }
    } finally {
      stream.end();
    }
  }

  private sendLocalState(stream: Stream, join: boolean): void {
    const d = this.m.delegates.delegate;
    let user: Uint8Array | null = null;
    if (d) {
      try {
        user = d.localState(join);
      } catch (e) {
        this.m.log.error('delegate localState threw', { error: errText(e) });
      }
    }
    this.send(stream, encodePushPull(join, this.m.state.pushStates(), user));
  }

  /** Returns an error text when the remote list is refused. */
  mergeRemoteState(join: boolean, remote: readonly PushNodeState[], userState: Uint8Array | null): string | undefined {
    const m = this.m;
    // Protocol version < 2 senders leave the port out; like memberlist, assume ours.
    const nodes = remote.map((n) => (n.port === 0 || m.cfg.protocolVersion < 2 ? { ...n, port: m.advertise.port } : n));
    const err = verifyProtocol(nodes, m.state.nodes);
    if (err) return err;
    if (join && m.delegates.merge) {
      const peers: MemberNode[] = nodes.map((n) => ({
        name: n.name,
        addr: n.addr,
        port: n.port,
        meta: n.meta ?? new Uint8Array(0),
        state: n.state,
        vsn: [n.vsn[0] ?? 0, n.vsn[1] ?? 0, n.vsn[2] ?? 0, n.vsn[3] ?? 0, n.vsn[4] ?? 0, n.vsn[5] ?? 0],
      }));
      let veto: string | undefined;
      try {
        veto = m.delegates.merge.notifyMerge(peers);
      } catch (e) {
        veto = errText(e);
      }
      if (veto) return veto;
    }
    m.state.mergeState(nodes);
    if (userState !== null && m.delegates.delegate) {
      try {
        m.delegates.delegate.mergeRemoteState(userState, join);
      } catch (e) {
        m.log.error('delegate mergeRemoteState threw', { error: errText(e) });
      }
    }
    return undefined;
  }

  /** Full state exchange with one node; rejects on any failure. */
  async pushPullNode(addr: Addr, join: boolean): Promise<void> {
    const m = this.m;
    const stream = await m.rt.streams.connect(addr, m.cfg.tcpTimeout);
    const reader = this.track(stream);
    try {
      m.log.debug('initiating push/pull sync', { with: addrKey(addr) });
      this.sendLocalState(stream, join);
      const msg = await this.read(reader, this.deadline());
      if (msg.type === 'err') throw new Error(`remote error: ${msg.error}`);
      if (msg.type !== 'pushPull') throw new Error(`received invalid message type ${msg.type}, expected pushPull`);
      const err = this.mergeRemoteState(join, msg.nodes, msg.userState);
      if (err) throw new Error(err);
    } finally {
      stream.end();
    }
  }

  /** Periodic anti-entropy with one random alive node. */
  async pushPull(): Promise<void> {
    const m = this.m;
    const [node] = m.state.kRandomNodes(1, (n) => n.name === m.name || n.state !== NodeStateType.Alive);
    if (!node) return;
    try {
      await this.pushPullNode(nodeAddr(node), false);
    } catch (e) {
      m.log.error('push/pull failed', { node: node.name, error: errText(e) });
    }
  }

  /** TCP fallback ping: true if the node answered with the right ack before `deadline`. */
  async sendPingAndWaitForAck(addr: Addr, ping: PingMsg, deadline: Millis): Promise<boolean> {
    const m = this.m;
    let stream: Stream;
    try {
      stream = await m.rt.streams.connect(addr, Math.max(1, deadline - m.rt.clock.now()));
    } catch {
      return false; // a dead node is expected to refuse; not worth a log line
    }
    const reader = this.track(stream);
    try {
      this.send(stream, encodeMessage(ping));
      const msg = await this.read(reader, deadline);
      if (msg.type !== 'ack') throw new Error(`unexpected message type ${msg.type} from ping`);
      if (msg.seqNo !== ping.seqNo) throw new Error(`sequence number from ack (${msg.seqNo}) doesn't match ping (${ping.seqNo})`);
      return true;
    } catch (e) {
      if (!(e instanceof TransportError && e.code === 'timeout')) m.log.error('failed fallback ping', { error: errText(e) });
      return false;
    } finally {
      stream.end();
    }
  }

  /** A user message over TCP (memberlist SendReliable). */
  async sendUserMsg(addr: Addr, payload: Uint8Array): Promise<void> {
    const m = this.m;
    const stream = await m.rt.streams.connect(addr, m.cfg.tcpTimeout);
    this.track(stream);
    this.send(stream, encodeUserStream(payload));
    stream.end();
  }
}
