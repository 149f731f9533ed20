// The UDP path (memberlist net.go): unwrap incoming packets (decrypt, CRC, compress, compound)
// and dispatch each message; wrap outgoing ones (piggyback broadcasts, compress, CRC for peers
// speaking protocol >= 5, encrypt). Garbage is counted and logged, never thrown.
import { DecodeError } from '../decode-error.js';
import type { Addr } from '../runtime.js';
import { addrKey } from '../runtime.js';
import { decodeMessage, encodeMessage, type EncodableMessage } from './codec.js';
import { COMPOUND_HEADER_OVERHEAD, COMPOUND_PART_OVERHEAD, makeCompound } from './compound.js';
import { addCrc, verifyCrc } from './crc.js';
import type { Memberlist } from './memberlist.js';
import { MessageType, type LeafMessage } from './messages.js';
import { compressMessage, decompressBody } from './packet.js';
import { decryptPayload, encryptOverhead, encryptPayload, NONCE_SIZE } from './security.js';
import { nodeAddr, type NodeRecord } from './node.js';

/** Most parts a compound may carry for Go receivers to read it right (see sendPacked). */
const MAX_PARTS = 127;

/** Compound nesting beyond this is garbage (memberlist does not bound it; we must not recurse forever). */
const MAX_NESTING = 8;

export interface PacketStats {
  received: number;
  sent: number;
  bytesSent: number;
  bytesReceived: number;
  decodeErrors: number;
  decryptErrors: number;
  /** Messages received over UDP, by type (go-metrics `memberlist.msg.<type>` for alive/suspect/dead). */
  byType: Record<string, number>;
}

export class PacketLayer {
  readonly compoundHeaderOverhead = COMPOUND_HEADER_OVERHEAD;
  readonly compoundOverhead = COMPOUND_PART_OVERHEAD;
  readonly stats: PacketStats = { received: 0, sent: 0, bytesSent: 0, bytesReceived: 0, decodeErrors: 0, decryptErrors: 0, byType: {} };

  constructor(private readonly m: Memberlist) {}

  encryptOverhead(): number {
    return encryptOverhead(this.m.encryptionVersion());
  }

  /**
   * Sends messages as one packet (a compound when more than one). Go reads a compound's part
   * count into 8-bit arithmetic, so 128+ parts are misread: more go as several compounds.
   */
  sendPacked(node: NodeRecord | undefined, msgs: Uint8Array[], to?: Addr): void {
    for (let i = 0; i < msgs.length; i += MAX_PARTS) {
      const chunk = msgs.slice(i, i + MAX_PARTS);
      this.rawSendPacket(node, chunk.length === 1 ? chunk[0]! : makeCompound(chunk), to);
    }
  }

  // ---- receive ----------------------------------------------------------------------------

  ingest(from: Addr, packet: Uint8Array): void {
    if (this.m.hasShutdown()) return;
    this.stats.received++;
    this.stats.bytesReceived += packet.length;
    let buf = packet;
    if (this.m.keyring) {
      try {
        buf = decryptPayload(this.m.keyring.getKeys(), packet);
      } catch (e) {
        if (this.m.cfg.gossipVerifyIncoming) {
          this.stats.decryptErrors++;
          this.m.log.error('decrypt packet failed', { from: addrKey(from), error: errText(e) });
          return;
        }
        buf = packet;
      }
    }
    try {
      if (buf.length >= 5 && buf[0] === MessageType.hasCrc) buf = verifyCrc(buf);
      this.handleCommand(buf, from, 0);
    } catch (e) {
      this.stats.decodeErrors++;
      if (e instanceof DecodeError) {
        this.m.log.warn('bad packet', { from: addrKey(from), error: e.message });
      } else {
        // A bug in our own handling: log it loudly but keep the node running.
        this.m.log.error('packet handler failed', { from: addrKey(from), error: errText(e) });
      }
    }
  }

  private handleCommand(buf: Uint8Array, from: Addr, depth: number): void {
    if (depth > MAX_NESTING) throw new DecodeError('messages nested too deeply', 0, 'memberlist packet');
    const msg = decodeMessage(buf);
    switch (msg.type) {
      case 'compound':
        if (msg.truncated > 0) this.m.log.warn('compound request had truncated messages', { from: addrKey(from), truncated: msg.truncated });
        for (const part of msg.parts) {
          try {
            this.handleCommand(part, from, depth + 1);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
            this.stats.decodeErrors++;
            this.m.log.warn('bad message in compound', { from: addrKey(from), error: e.message });
          }
        }
        return;
      case 'compress':
        // Nothing legitimate inflates a 64 KiB packet past 16 MiB; this bounds zip bombs.
        this.handleCommand(decompressBody(msg.algo, msg.buf, 16 * 1024 * 1024), from, depth + 1);
        return;
      case 'hasCrc':
        // memberlist only honours a CRC as the outermost layer; a nested one is a message type it does not handle.
        throw new DecodeError('unexpected nested crc message', 0, 'memberlist packet');
      default:
        this.handleLeaf(msg, from);
    }
  }

  private handleLeaf(msg: LeafMessage, from: Addr): void {
    const m = this.m;
    this.stats.byType[msg.type] = (this.stats.byType[msg.type] ?? 0) + 1;
    switch (msg.type) {
      case 'ping':
        m.prober.handlePing(msg, from);
        return;
      case 'indirectPing':
        m.prober.handleIndirectPing(msg, from);
        return;
      case 'ack':
        m.prober.handleAck(msg);
        return;
      case 'nack':
        m.prober.handleNack(msg);
        return;
      case 'suspect':
        m.state.suspectNode(msg);
        return;
      case 'alive':
        m.state.aliveNode(msg.port === 0 || m.cfg.protocolVersion < 2 ? { ...msg, port: m.advertise.port } : msg, undefined, false);
        return;
      case 'dead':
        m.state.deadNode(msg);
        return;
      case 'user':
        this.deliverUser(msg.payload);
        return;
      case 'err':
        m.log.warn('unexpected err message over UDP', { from: addrKey(from), error: msg.error });
        return;
    }
  }

  deliverUser(payload: Uint8Array): void {
    const d = this.m.delegates.delegate;
    if (!d) return;
    try {
      d.notifyMsg(payload);
    } catch (e) {
      this.m.log.error('delegate notifyMsg threw', { error: errText(e) });
    }
  }

  // ---- send -------------------------------------------------------------------------------

  /** Membership broadcasts plus the delegate's user broadcasts, within `limit` bytes. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const toSend = this.m.queue.getBroadcasts(overhead, limit);
    const d = this.m.delegates.delegate;
    if (!d) return toSend;
    let used = 0;
    for (const msg of toSend) used += msg.length + overhead;
    const avail = limit - used;
    const userOverhead = 1;
    if (avail > overhead + userOverhead) {
      let user: Uint8Array[] = [];
      try {
        user = d.getBroadcasts(overhead + userOverhead, avail);
      } catch (e) {
        this.m.log.error('delegate getBroadcasts threw', { error: errText(e) });
      }
      for (const u of user) {
        const buf = new Uint8Array(u.length + 1);
        buf[0] = MessageType.user;
        buf.set(u, 1);
        toSend.push(buf);
      }
    }
    return toSend;
  }

  /** Sends one message, piggybacking whatever broadcasts fit (memberlist sendMsg). */
  sendMsg(to: Addr, msg: EncodableMessage): void {
    const bytes = encodeMessage(msg);
    let avail = this.m.cfg.udpBufferSize - bytes.length - COMPOUND_HEADER_OVERHEAD;
    if (this.m.keyring && this.m.cfg.gossipVerifyOutgoing) avail -= this.encryptOverhead();
    const extra = this.getBroadcasts(COMPOUND_PART_OVERHEAD, avail);
    // Like memberlist, direct messages go without a CRC: it only knows the peer's version for gossip.
    this.sendPacked(undefined, [bytes, ...extra], to);
  }

  /**
   * Sends bytes as one packet: compressed when that is smaller, CRC'd when the peer speaks
   * protocol >= 5, then encrypted when the cluster is. `to` defaults to the node's address.
   */
  rawSendPacket(node: NodeRecord | undefined, msg: Uint8Array, to?: Addr): void {
    const dest = to ?? (node ? nodeAddr(node) : undefined);
    if (!dest) return;
    let out = msg;
    if (this.m.cfg.enableCompression) {
      try {
        const c = compressMessage(out);
        if (c.length < out.length) out = c;
      } catch (e) {
        this.m.log.warn('failed to compress payload', { error: errText(e) });
      }
    }
    if (node && node.vsn[1] >= 5) out = addCrc(out);
    if (this.m.keyring && this.m.cfg.gossipVerifyOutgoing) {
      out = encryptPayload(this.m.encryptionVersion(), this.m.keyring.primaryKey()!, out, this.m.rand.crypto.bytes(NONCE_SIZE));
    }
    this.stats.sent++;
    this.stats.bytesSent += out.length;
    this.m.rt.packets.sendTo(dest, out);
  }
}

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
