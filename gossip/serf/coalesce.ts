// Event coalescing (serf coalesce*.go): bursts of member events, or of coalescable user events,
// are held until `coalescePeriod` after the first or `quiescentPeriod` after the last, then
// flushed as one batch. Member events keep only each member's latest transition (and drop it if
// it repeats what was last flushed); user events keep only the newest LTime per event name.
// Unlike Go, member state is cleared after each flush (Go re-sends old member-update events at
// every later flush) and the flush order is deterministic.
import type { Clock, Millis, Timer } from '../runtime.js';
import type { SerfEvent, UserEvent } from './events.js';
import type { LTime } from './lamport.js';
import type { Member, MemberEvent, MemberEventType } from './member.js';

export interface CoalescePolicy {
  handles(e: SerfEvent): boolean;
  add(e: SerfEvent): void;
  flush(): SerfEvent[];
}

const MEMBER_ORDER: MemberEventType[] = ['member-join', 'member-leave', 'member-failed', 'member-update', 'member-reap'];

export class MemberEventPolicy implements CoalescePolicy {
  private readonly last = new Map<string, MemberEventType>();
  private latest = new Map<string, { type: MemberEventType; member: Member }>();

  handles(e: SerfEvent): boolean {
    return e.type.startsWith('member-');
  }

  add(e: SerfEvent): void {
    const me = e as MemberEvent;
    for (const m of me.members) this.latest.set(m.name, { type: me.type, member: m });
  }

  flush(): SerfEvent[] {
    const byType = new Map<MemberEventType, Member[]>();
    for (const [name, ev] of this.latest) {
      if (this.last.get(name) === ev.type && ev.type !== 'member-update') continue;
      this.last.set(name, ev.type);
      const list = byType.get(ev.type) ?? [];
      list.push(ev.member);
      byType.set(ev.type, list);
    }
    this.latest = new Map();
    return MEMBER_ORDER.filter((t) => byType.has(t)).map((t) => ({ type: t, members: byType.get(t)! }));
  }
}

export class UserEventPolicy implements CoalescePolicy {
  private events = new Map<string, { ltime: LTime; events: UserEvent[] }>();

  handles(e: SerfEvent): boolean {
    return e.type === 'user' && e.coalesce;
  }

  add(e: SerfEvent): void {
    const u = e as UserEvent;
    const latest = this.events.get(u.name);
    if (!latest || latest.ltime < u.ltime) this.events.set(u.name, { ltime: u.ltime, events: [u] });
    else if (latest.ltime === u.ltime) latest.events.push(u);
  }

  flush(): SerfEvent[] {
    const out = [...this.events.values()].flatMap((x) => x.events);
    this.events = new Map();
    return out;
  }
}

/** Sits between an event source and `out`, batching what `policy` handles. */
export class Coalescer {
  private quantum: Timer | null = null;
  private quiescent: Timer | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly coalescePeriod: Millis,
    private readonly quiescentPeriod: Millis,
    private readonly policy: CoalescePolicy,
    private readonly out: (e: SerfEvent) => void,
  ) {}

  push(e: SerfEvent): void {
    if (!this.policy.handles(e)) {
      this.out(e);
      return;
    }
    this.quantum ??= this.clock.setTimer(this.coalescePeriod, () => this.flush());
    this.quiescent?.cancel();
    this.quiescent = this.clock.setTimer(this.quiescentPeriod, () => this.flush());
    this.policy.add(e);
  }

  /** Emits what is held now (also used on shutdown). */
  flush(): void {
    this.quantum?.cancel();
    this.quiescent?.cancel();
    this.quantum = this.quiescent = null;
    for (const e of this.policy.flush()) this.out(e);
  }
}
