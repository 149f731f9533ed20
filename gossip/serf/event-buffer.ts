// The user-event and query dedup buffers: a ring of slots indexed by LTime mod size, each
// holding what was seen at that LTime. A message is new unless its slot already holds the same
// LTime and an equal event (name + payload bytes) / the same query id. Messages older than
// `clock - size`, or before the minimum time set after a join/snapshot, are dropped.
import type { LamportClock, LTime } from './lamport.js';
import type { UserEventRecord, UserEventsAt } from './messages.js';

export const DEFAULT_BUFFER_SIZE = 512;

export type BufferVerdict = 'new' | 'duplicate' | 'too-old' | 'before-min';

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  // Go's bytes.Compare treats nil and empty alike.
  const x = a ?? new Uint8Array(0);
  const y = b ?? new Uint8Array(0);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function tooOld(clock: LamportClock, ltime: LTime, size: number): boolean {
  const cur = clock.time();
  return cur > size && ltime < cur - size;
}

export class UserEventBuffer {
  private readonly slots: (UserEventsAt | null)[];
  /** Events below this LTime are ignored (set by join with ignoreOld, or from a snapshot). */
  minTime: LTime = 0;

  constructor(
    readonly clock: LamportClock,
    readonly size = DEFAULT_BUFFER_SIZE,
  ) {
    this.slots = new Array<UserEventsAt | null>(size).fill(null);
  }

  /** Witnesses the LTime, then records the event if it is new. Only 'new' is delivered and rebroadcast. */
  receive(ltime: LTime, event: UserEventRecord): BufferVerdict {
    this.clock.witness(ltime);
    if (ltime < this.minTime) return 'before-min';
    if (tooOld(this.clock, ltime, this.size)) return 'too-old';
    const idx = ltime % this.size;
    let seen = this.slots[idx];
    if (seen && seen.ltime === ltime) {
      if (seen.events.some((e) => e.name === event.name && sameBytes(e.payload, event.payload))) return 'duplicate';
    } else {
      seen = { ltime, events: [] };
      this.slots[idx] = seen;
    }
    seen.events.push({ name: event.name, payload: event.payload });
    return 'new';
  }

  /** The whole ring, for push-pull (Go sends every slot, nil ones included). */
  snapshot(): (UserEventsAt | null)[] {
    return this.slots.map((s) => (s === null ? null : { ltime: s.ltime, events: s.events.slice() }));
  }
}

export class QueryBuffer {
  private readonly slots: ({ ltime: LTime; ids: number[] } | null)[];
  minTime: LTime = 0;

  constructor(
    readonly clock: LamportClock,
    readonly size = DEFAULT_BUFFER_SIZE,
  ) {
    this.slots = new Array(size).fill(null);
  }

  /** Witnesses the LTime, then records the query id if it is new. */
  receive(ltime: LTime, id: number): BufferVerdict {
    this.clock.witness(ltime);
    if (ltime < this.minTime) return 'before-min';
    if (tooOld(this.clock, ltime, this.size)) return 'too-old';
    const idx = ltime % this.size;
    let seen = this.slots[idx];
    if (seen && seen.ltime === ltime) {
      if (seen.ids.includes(id)) return 'duplicate';
    } else {
      seen = { ltime, ids: [] };
      this.slots[idx] = seen;
    }
    seen.ids.push(id);
    return 'new';
  }
}
