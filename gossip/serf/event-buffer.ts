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

/** Above this many events at one LTime a slot keeps a hash index (a cluster started together). */
const INDEX_FROM = 16;

/** FNV-1a over the name's UTF-16 units and the payload bytes: a bucket key, equality is checked. */
function eventHash(e: UserEventRecord): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < e.name.length; i++) h = Math.imul(h ^ e.name.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xff, 0x01000193);
  const p = e.payload;
  if (p) for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p[i]!, 0x01000193);
  return h >>> 0;
}

const sameEvent = (a: UserEventRecord, b: UserEventRecord) => a.name === b.name && sameBytes(a.payload, b.payload);

function addToIndex(index: Map<number, UserEventRecord[]>, e: UserEventRecord, h = eventHash(e)): void {
  const b = index.get(h);
  if (b) b.push(e);
  else index.set(h, [e]);
}

interface EventSlot extends UserEventsAt {
  /** hash → events, once the slot holds INDEX_FROM events: a thousand servers' start-up
   * announcements share a handful of LTimes, and each of the n² receptions scanned them all. */
  index?: Map<number, UserEventRecord[]>;
}

export class UserEventBuffer {
  private readonly slots: (EventSlot | null)[];
  /** Events below this LTime are ignored (set by join with ignoreOld, or from a snapshot). */
  minTime: LTime = 0;

  constructor(
    readonly clock: LamportClock,
    readonly size = DEFAULT_BUFFER_SIZE,
  ) {
    this.slots = new Array<EventSlot | null>(size).fill(null);
  }

  /** Witnesses the LTime, then records the event if it is new. Only 'new' is delivered and rebroadcast. */
  receive(ltime: LTime, event: UserEventRecord): BufferVerdict {
    this.clock.witness(ltime);
    if (ltime < this.minTime) return 'before-min';
    if (tooOld(this.clock, ltime, this.size)) return 'too-old';
    const idx = ltime % this.size;
    let seen = this.slots[idx];
    const rec: UserEventRecord = { name: event.name, payload: event.payload };
    if (seen && seen.ltime === ltime) {
      if (seen.index) {
        const h = eventHash(rec);
        if (seen.index.get(h)?.some((e) => sameEvent(e, rec))) return 'duplicate';
        addToIndex(seen.index, rec, h);
      } else {
        if (seen.events.some((e) => sameEvent(e, rec))) return 'duplicate';
        if (seen.events.length + 1 >= INDEX_FROM) {
          seen.index = new Map();
          for (const e of [...seen.events, rec]) addToIndex(seen.index, e);
        }
      }
    } else {
      seen = { ltime, events: [] };
      this.slots[idx] = seen;
    }
    seen.events.push(rec);
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
