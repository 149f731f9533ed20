// The hooks memberlist calls (serf delegate.go, event_delegate.go, ping_delegate.go,
// conflict_delegate.go, merge_delegate.go), routing to the Serf node. Garbage from the wire is
// logged and dropped: nothing here throws back into memberlist.
import { DecodeError } from '../decode-error.js';
import type { Millis } from '../runtime.js';
import type { AliveDelegate, ConflictDelegate, Delegate, EventDelegate, MergeDelegate, PingDelegate } from '../memberlist/delegate.js';
import type { MemberNode } from '../memberlist/node.js';
import { ipToString } from '../memberlist/node.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { distanceSeconds } from './coordinate.js';
import { CoordinateRejected } from './coordinate-client.js';
import type { Member } from './member.js';
import { MessageType } from './messages.js';
import { statusFromNodeState } from './members.js';
import { decodePingPayload, encodePingPayload } from './ping-payload.js';
import { buildLocalState, mergeRemoteState } from './push-pull.js';
import type { Serf } from './serf.js';
import { decodeTags, encodeTags } from './tags.js';

export class SerfDelegate implements Delegate, EventDelegate, PingDelegate, ConflictDelegate, MergeDelegate, AliveDelegate {
  /** Serf messages we could not decode (for stats and tests). */
  decodeErrors = 0;
  /** Relay messages we forwarded for others. */
  relayed = 0;

  constructor(
    private readonly serf: Serf,
    private readonly merge?: (members: Member[]) => string | undefined,
  ) {}

  // ---- Delegate

  nodeMeta(limit: number): Uint8Array {
    const b = encodeTags(this.serf.config.tags, this.serf.config.protocolVersion);
    if (b.length > limit) throw new Error(`node tags exceed length limit of ${limit} bytes`);
    return b;
  }

  notifyMsg(buf: Uint8Array): void {
    if (buf.length === 0) return;
    const s = this.serf;
    let m;
    try {
      m = decodeMessage(buf);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.decodeErrors++;
      s.log.warn('error decoding serf message', { type: buf[0], error: e.message });
      return;
    }
    let rebroadcast = false;
    switch (m.type) {
      case MessageType.Leave:
        rebroadcast = s.memberTable.leaveIntent(m.msg);
        break;
      case MessageType.Join:
        rebroadcast = s.memberTable.joinIntent(m.msg);
        break;
      case MessageType.UserEvent:
        rebroadcast = s.handleUserEvent(m.msg);
        break;
      case MessageType.Query:
        rebroadcast = s.handleQuery(m.msg);
        break;
      case MessageType.QueryResponse:
        s.handleQueryResponse(m.msg);
        break;
      case MessageType.Relay: {
        const { header, inner } = m.msg;
        const ip = header.destAddr.ip;
        if (!ip || (ip.length !== 4 && ip.length !== 16)) {
          s.log.warn('relay with a bad destination address');
          break;
        }
        s.memberlist.sendToAddress({ host: ipToString(ip), port: header.destAddr.port }, inner);
        this.relayed++;
        break;
      }
      default:
        s.log.warn('received serf message of unexpected type', { type: m.type });
    }
    if (rebroadcast) s.queues.rebroadcast(m.type, buf);
  }

  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    return this.serf.queues.get(overhead, limit);
  }

  localState(_join: boolean): Uint8Array {
    const s = this.serf;
    return encodeMessage({ type: MessageType.PushPull, msg: buildLocalState(s, s.memberTable, s.eventBuffer) });
  }

  mergeRemoteState(buf: Uint8Array, join: boolean): void {
    const s = this.serf;
    if (buf.length === 0 || buf[0] !== MessageType.PushPull) {
      s.log.error('remote state has bad type prefix', { type: buf[0] });
      return;
    }
    let m;
    try {
      m = decodeMessage(buf);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.decodeErrors++;
      s.log.error('failed to decode remote state', { error: e.message });
      return;
    }
    if (m.type !== MessageType.PushPull) return;
    mergeRemoteState(m.msg, join, {
      clocks: s,
      members: s.memberTable,
      events: s.eventBuffer,
      joinIgnore: s.joinIgnore,
      handleUserEvent: (e) => void s.handleUserEvent(e),
    });
  }

  // ---- EventDelegate

  notifyJoin(node: MemberNode): void {
    this.serf.memberTable.nodeJoin(node);
  }

  notifyLeave(node: MemberNode): void {
    this.serf.memberTable.nodeLeave(node);
  }

  notifyUpdate(node: MemberNode): void {
    this.serf.memberTable.nodeUpdate(node);
  }

  // ---- PingDelegate

  ackPayload(): Uint8Array {
    const c = this.serf.coordClient;
    return c ? encodePingPayload(c.getCoordinate()) : new Uint8Array(0);
  }

  notifyPingComplete(other: MemberNode, rtt: Millis, payload: Uint8Array): void {
    const s = this.serf;
    if (!s.coordClient || payload.length === 0) return;
    let coord;
    try {
      coord = decodePingPayload(payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      s.log.error('failed to decode coordinate from ping', { node: other.name, error: e.message });
      return;
    }
    const before = s.coordClient.getCoordinate();
    try {
      const after = s.coordClient.update(other.name, coord, Math.trunc(rtt * 1e6));
      s.log.debug('coordinate adjusted', { node: other.name, adjustmentMs: distanceSeconds(before, after) * 1e3 });
    } catch (e) {
      if (!(e instanceof CoordinateRejected)) throw e;
      s.log.debug('rejected coordinate', { node: other.name, error: e.message });
      return;
    }
    s.coordCache.set(other.name, coord);
    s.coordCache.set(s.name, s.coordClient.getCoordinate());
  }

  // ---- ConflictDelegate

  notifyConflict(existing: MemberNode, other: MemberNode): void {
    const s = this.serf;
    if (existing.name !== s.name) {
      s.log.warn('name conflict', { node: existing.name, a: `${ipToString(existing.addr)}:${existing.port}`, b: `${ipToString(other.addr)}:${other.port}` });
      return;
    }
    s.log.error('our node name conflicts with another node; names must be unique', {
      other: `${ipToString(other.addr)}:${other.port}`,
      resolution: s.config.enableNameConflictResolution,
    });
    if (s.config.enableNameConflictResolution) void s.resolveNodeConflict();
  }

  // ---- MergeDelegate / AliveDelegate (only installed with a Serf merge delegate)

  notifyMerge(peers: MemberNode[]): string | undefined {
    return this.merge?.(peers.map((n) => this.toMember(n)));
  }

  notifyAlive(peer: MemberNode): string | undefined {
    return this.merge?.([this.toMember(peer)]);
  }

  private toMember(n: MemberNode): Member {
    return {
      name: n.name,
      addr: n.addr,
      port: n.port,
      tags: decodeTags(n.meta),
      status: statusFromNodeState(n.state),
      protocolMin: n.vsn[0],
      protocolMax: n.vsn[1],
      protocolCur: n.vsn[2],
      delegateMin: n.vsn[3],
      delegateMax: n.vsn[4],
      delegateCur: n.vsn[5],
    };
  }
}
