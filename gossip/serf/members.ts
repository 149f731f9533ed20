// Serf's membership state machine (serf.go handleNode*): memberlist's join/leave/update
// notifications combined with Serf's Lamport-stamped join/leave intents, the failed and left
// lists, reaping and pruning. Pure: time comes from `now()`, events go to `emit`.
import type { Millis } from '../runtime.js';
import type { MemberNode } from '../memberlist/node.js';
import { NodeStateType } from '../memberlist/node.js';
import { RecentIntents } from './intents.js';
import type { LamportClock, LTime } from './lamport.js';
import { copyMember, type Member, type MemberEvent, type MemberState, MemberStatus } from './member.js';
import type { JoinMessage, LeaveMessage, NodeName } from './messages.js';
import { decodeTags } from './tags.js';

export interface MemberTableHooks {
  now(): Millis;
  emit(e: MemberEvent): void;
  /** Our own node was named in a newer leave intent while we are alive: broadcast a join. */
  refuteLeave(): void;
  /** A member was erased (reaped or pruned): forget its coordinates, etc. */
  forget?(name: NodeName): void;
  /** Runs `fn` after `ms` (prune of a leaving member waits for its leave to spread). */
  later(ms: Millis, fn: () => void): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
}

export interface MemberTableConfig {
  nodeName: NodeName;
  /** Delay before pruning a member that is still leaving: BroadcastTimeout + LeavePropagateDelay. */
  pruneDelay: Millis;
}

export class MemberTable {
  private readonly members = new Map<NodeName, MemberState>();
  /** In the order they failed/left (reaping swaps with the last, like Go). */
  private failed: MemberState[] = [];
  private left: MemberState[] = [];
  readonly intents = new RecentIntents();
  /** Whether we are alive (not leaving/left/shut down): only then do we refute leaves about us. */
  selfAlive = true;

  constructor(
    private readonly config: MemberTableConfig,
    readonly clock: LamportClock,
    private readonly hooks: MemberTableHooks,
  ) {}

  get(name: NodeName): MemberState | undefined {
    return this.members.get(name);
  }

  /** All members sorted by name (a deterministic order; Go's is map order). */
  list(): MemberState[] {
    return [...this.members.values()].sort((a, b) => (a.member.name < b.member.name ? -1 : a.member.name > b.member.name ? 1 : 0));
  }

  get size(): number {
    return this.members.size;
  }

  every(pred: (ms: MemberState) => boolean): boolean {
    for (const ms of this.members.values()) if (!pred(ms)) return false;
    return true;
  }

  failedMembers(): readonly MemberState[] {
    return this.failed;
  }

  leftMembers(): readonly MemberState[] {
    return this.left;
  }

  /** Another member than us is alive. */
  hasAliveMembers(): boolean {
    for (const m of this.members.values()) if (m.member.name !== this.config.nodeName && m.member.status === MemberStatus.Alive) return true;
    return false;
  }

  // ------------------------------------------------------------------ memberlist notifications

  nodeJoin(n: MemberNode): void {
    let ms = this.members.get(n.name);
    let oldStatus = MemberStatus.None;
    if (!ms) {
      ms = {
        member: {
          name: n.name, addr: n.addr, port: n.port, tags: this.tags(n), status: MemberStatus.Alive,
          protocolMin: 0, protocolMax: 0, protocolCur: 0, delegateMin: 0, delegateMax: 0, delegateCur: 0,
        },
        statusLTime: 0,
      };
      // The intent buffer holds one intent per node: the newest decides.
      const join = this.intents.get(n.name, 'join');
      if (join !== undefined) ms.statusLTime = join;
      const leave = this.intents.get(n.name, 'leave');
      if (leave !== undefined) {
        ms.member.status = MemberStatus.Leaving;
        ms.statusLTime = leave;
      }
      this.members.set(n.name, ms);
    } else {
      oldStatus = ms.member.status;
      ms.member.status = MemberStatus.Alive;
      ms.leaveTime = undefined;
      ms.member.addr = n.addr;
      ms.member.port = n.port;
      ms.member.tags = this.tags(n);
    }
    this.setVersions(ms.member, n);
    if (oldStatus === MemberStatus.Failed || oldStatus === MemberStatus.Left) {
      this.failed = removeByName(this.failed, n.name);
      this.left = removeByName(this.left, n.name);
    }
    this.hooks.emit({ type: 'member-join', members: [copyMember(ms.member)] });
  }

  nodeLeave(n: MemberNode): void {
    const ms = this.members.get(n.name);
    if (!ms) return;
    switch (ms.member.status) {
      case MemberStatus.Leaving:
        ms.member.status = MemberStatus.Left;
        ms.leaveTime = this.hooks.now();
        this.left.push(ms);
        break;
      case MemberStatus.Alive:
        ms.member.status = MemberStatus.Failed;
        ms.leaveTime = this.hooks.now();
        this.failed.push(ms);
        break;
      default:
        this.hooks.warn?.('bad state when leave', { node: n.name, status: ms.member.status });
        return;
    }
    const type = ms.member.status === MemberStatus.Left ? 'member-leave' : 'member-failed';
    this.hooks.emit({ type, members: [copyMember(ms.member)] });
  }

  nodeUpdate(n: MemberNode): void {
    const ms = this.members.get(n.name);
    if (!ms) return;
    ms.member.addr = n.addr;
    ms.member.port = n.port;
    ms.member.tags = this.tags(n);
    this.setVersions(ms.member, n);
    this.hooks.emit({ type: 'member-update', members: [copyMember(ms.member)] });
  }

  // ------------------------------------------------------------------ Serf intents

  /** A join intent (gossiped or synthesised from push-pull). Returns whether to rebroadcast. */
  joinIntent(msg: JoinMessage): boolean {
    this.clock.witness(msg.ltime);
    const ms = this.members.get(msg.node);
    if (!ms) return this.intents.upsert(msg.node, 'join', msg.ltime, this.hooks.now());
    if (msg.ltime <= ms.statusLTime) return false;
    ms.statusLTime = msg.ltime;
    // A leave older than this join no longer holds.
    if (ms.member.status === MemberStatus.Leaving) ms.member.status = MemberStatus.Alive;
    return true;
  }

  /** A leave intent (graceful, force-leave, or from push-pull). Returns whether to rebroadcast. */
  leaveIntent(msg: LeaveMessage): boolean {
    this.clock.witness(msg.ltime);
    const ms = this.members.get(msg.node);
    if (!ms) return this.intents.upsert(msg.node, 'leave', msg.ltime, this.hooks.now());
    if (msg.ltime <= ms.statusLTime) return false;
    if (msg.node === this.config.nodeName && this.selfAlive) {
      this.hooks.refuteLeave();
      return false;
    }
    // Stamp even when the status does not change, so repeated leaves stop being rebroadcast
    // (consul#8179: two nodes otherwise bounce the same leave forever).
    ms.statusLTime = msg.ltime;
    switch (ms.member.status) {
      case MemberStatus.Alive:
        ms.member.status = MemberStatus.Leaving;
        if (msg.prune) this.prune(ms);
        return true;
      case MemberStatus.Failed:
        ms.member.status = MemberStatus.Left;
        this.failed = removeByName(this.failed, ms.member.name);
        this.left.push(ms);
        this.hooks.emit({ type: 'member-leave', members: [copyMember(ms.member)] });
        if (msg.prune) this.prune(ms);
        return true;
      case MemberStatus.Leaving:
      case MemberStatus.Left:
        if (msg.prune) this.prune(ms);
        return true;
      default:
        return false;
    }
  }

  /** Forcibly erases a member: at once, or after the prune delay if it is still leaving. */
  private prune(ms: MemberState): void {
    const erase = () => {
      if (this.members.get(ms.member.name) !== ms) return;
      if (ms.member.status === MemberStatus.Leaving || ms.member.status === MemberStatus.Left) {
        this.left = removeByName(this.left, ms.member.name);
      }
      this.erase(ms);
    };
    if (ms.member.status === MemberStatus.Leaving) this.hooks.later(this.config.pruneDelay, erase);
    else erase();
  }

  // ------------------------------------------------------------------ reaping

  /**
   * Erases failed members older than `reconnectTimeout`, left ones older than
   * `tombstoneTimeout`, and expires old intents.
   */
  reap(reconnectTimeout: Millis, tombstoneTimeout: Millis, intentTimeout: Millis): void {
    const now = this.hooks.now();
    this.failed = this.reapList(this.failed, now, reconnectTimeout);
    this.left = this.reapList(this.left, now, tombstoneTimeout);
    this.intents.reap(now, intentTimeout);
  }

  private reapList(old: MemberState[], now: Millis, timeout: Millis): MemberState[] {
    const list = old.slice();
    for (let i = 0; i < list.length; i++) {
      const ms = list[i]!;
      if (now - (ms.leaveTime ?? now) <= timeout) continue;
      list[i] = list[list.length - 1]!;
      list.pop();
      i--;
      this.erase(ms);
    }
    return list;
  }

  private erase(ms: MemberState): void {
    this.members.delete(ms.member.name);
    this.hooks.forget?.(ms.member.name);
    this.hooks.emit({ type: 'member-reap', members: [copyMember(ms.member)] });
  }

  // ------------------------------------------------------------------ helpers

  /** Status LTime per member, for push-pull. */
  statusLTimes(): [NodeName, LTime][] {
    return this.list().map((ms) => [ms.member.name, ms.statusLTime]);
  }

  /**
   * Decoded tags, shared between members with identical metadata (most clusters have few
   * distinct tag sets; one Map per member per node is what makes large clusters heavy). Our
   * maps are never mutated in place: updates replace them, and callers get copies.
   */
  private tags(n: MemberNode): Map<string, string> {
    const key = Buffer.from(n.meta).toString('latin1');
    const hit = this.tagCache.get(key);
    if (hit) return hit;
    const tags = decodeTags(n.meta, (e) => this.hooks.warn?.('failed to decode tags', { node: n.name, error: String(e) }));
    if (this.tagCache.size >= 4096) this.tagCache.clear();
    this.tagCache.set(key, tags);
    return tags;
  }

  private readonly tagCache = new Map<string, Map<string, string>>();

  private setVersions(m: Member, n: MemberNode): void {
    [m.protocolMin, m.protocolMax, m.protocolCur, m.delegateMin, m.delegateMax, m.delegateCur] = n.vsn;
  }
}

function removeByName(list: MemberState[], name: NodeName): MemberState[] {
  const i = list.findIndex((m) => m.member.name === name);
  if (i < 0) return list;
  const out = list.slice();
  out[i] = out[out.length - 1]!;
  out.pop();
  return out;
}

/** memberlist's state of a node mapped to Serf's status, as Serf's merge delegate does. */
export function statusFromNodeState(s: NodeStateType): MemberStatus {
  return s === NodeStateType.Left ? MemberStatus.Left : MemberStatus.None;
}
