// Serf's snapshot (serf snapshot.go), pure: a line log of who was alive and how far the three
// Lamport clocks got, so a restarted node can rejoin the members it knew and ignore events it
// already handled. The file itself lives in lib/ behind SnapshotSink.
//
//   alive: <name> <host:port>      not-alive: <name>      clock: <n>
//   event-clock: <n>               query-clock: <n>       leave        # comment
import { ipToString } from '../memberlist/node.js';
import type { SerfEvent } from './events.js';
import type { LTime } from './lamport.js';

/** Compaction threshold per alive node, and the factor over it (Go's constants). */
const BYTES_PER_NODE = 128;
const COMPACTION_THRESHOLD = 2;
/** Go's snapshotSizeLimit: the floor of the compaction threshold. */
export const SNAPSHOT_MIN_COMPACT_SIZE = 128 * 1024;
/** How often the member clock is written. */
export const SNAPSHOT_CLOCK_INTERVAL = 500;

export interface PreviousNode {
  name: string;
  /** "host:port" ("[v6]:port"). */
  addr: string;
}

/** Where the lines go (lib/ implements it over a file). */
export interface SnapshotSink {
  append(text: string): void;
  /** Replaces the whole file atomically (compaction). */
  rewrite(text: string): void;
}

export class SnapshotState {
  readonly alive = new Map<string, string>();
  lastClock: LTime = 0;
  lastEventClock: LTime = 0;
  lastQueryClock: LTime = 0;

  /** Rebuilds the state from a snapshot file's text, as Go's replay does. */
  static replay(text: string, rejoinAfterLeave: boolean, warn: (msg: string) => void = () => {}): SnapshotState {
    const s = new SnapshotState();
    const lines = text.split('\n');
    // Go reads complete lines only: an unterminated last line is ignored.
    lines.pop();
    const uint = (v: string, what: string): LTime | undefined => {
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
        warn(`failed to convert ${what}: ${v}`);
        return undefined;
      }
      return Number(v);
    };
    for (const line of lines) {
      if (line.startsWith('alive: ')) {
        const info = line.slice('alive: '.length);
        const i = info.lastIndexOf(' ');
        if (i < 0) {
          warn(`failed to parse address: ${line}`);
          continue;
        }
        s.alive.set(info.slice(0, i), info.slice(i + 1));
      } else if (line.startsWith('not-alive: ')) {
        s.alive.delete(line.slice('not-alive: '.length));
      } else if (line.startsWith('clock: ')) {
        s.lastClock = uint(line.slice(7), 'clock time') ?? s.lastClock;
      } else if (line.startsWith('event-clock: ')) {
        s.lastEventClock = uint(line.slice(13), 'event clock time') ?? s.lastEventClock;
      } else if (line.startsWith('query-clock: ')) {
        s.lastQueryClock = uint(line.slice(13), 'query clock time') ?? s.lastQueryClock;
      } else if (line.startsWith('coordinate: ')) {
        // old snapshots persisted coordinates; Serf re-converges instead
      } else if (line === 'leave') {
        if (rejoinAfterLeave) continue;
        s.alive.clear();
        s.lastClock = s.lastEventClock = s.lastQueryClock = 0;
      } else if (!line.startsWith('#')) {
        warn(`unrecognized snapshot line: ${line}`);
      }
    }
    return s;
  }

  previousNodes(): PreviousNode[] {
    return [...this.alive].map(([name, addr]) => ({ name, addr }));
  }

  /** The whole state as a fresh file. */
  compacted(): string {
    let out = '';
    for (const [name, addr] of this.alive) out += `alive: ${name} ${addr}\n`;
    return out + `clock: ${this.lastClock}\nevent-clock: ${this.lastEventClock}\nquery-clock: ${this.lastQueryClock}\n`;
  }

  /** Size above which the file is compacted. */
  maxSize(minCompactSize = SNAPSHOT_MIN_COMPACT_SIZE): number {
    return Math.max(this.alive.size * BYTES_PER_NODE * COMPACTION_THRESHOLD, minCompactSize);
  }
}

function tcpAddr(ip: Uint8Array, port: number): string {
  const host = ipToString(ip);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Records events into a sink, compacting when the file grows past its threshold. */
export class Snapshotter {
  private offset: number;
  private leaving = false;

  constructor(
    readonly state: SnapshotState,
    private readonly sink: SnapshotSink,
    /** Current size of the file (appends continue after what was replayed). */
    initialSize: number,
    private readonly rejoinAfterLeave: boolean,
    private readonly minCompactSize = SNAPSHOT_MIN_COMPACT_SIZE,
  ) {
    this.offset = initialSize;
  }

  /** Every event Serf emits, before internal queries are filtered out. `clock` = member clock now. */
  record(e: SerfEvent, clock: LTime): void {
    if (this.leaving) return;
    const s = this.state;
    if (e.type === 'member-join') {
      for (const m of e.members) {
        const addr = tcpAddr(m.addr, m.port);
        s.alive.set(m.name, addr);
        this.append(`alive: ${m.name} ${addr}\n`);
      }
    } else if (e.type === 'member-leave' || e.type === 'member-failed') {
      for (const m of e.members) {
        s.alive.delete(m.name);
        this.append(`not-alive: ${m.name}\n`);
      }
    } else if (e.type === 'user') {
      if (e.ltime <= s.lastEventClock) return;
      s.lastEventClock = e.ltime;
      this.append(`event-clock: ${e.ltime}\n`);
      return;
    } else if (e.type === 'query') {
      if (e.query.ltime <= s.lastQueryClock) return;
      s.lastQueryClock = e.query.ltime;
      this.append(`query-clock: ${e.query.ltime}\n`);
      return;
    }
    if (e.type.startsWith('member-')) this.updateClock(clock);
  }

  /** Records the member clock (the last time stamped by anyone: clock - 1) if it moved. */
  updateClock(clock: LTime): void {
    const lastSeen = clock - 1;
    if (lastSeen > this.state.lastClock) {
      this.state.lastClock = lastSeen;
      this.append(`clock: ${lastSeen}\n`);
    }
  }

  /** We are leaving: forget the members (unless rejoining after leave is allowed), stop recording. */
  leave(): void {
    this.leaving = true;
    if (!this.rejoinAfterLeave) this.state.alive.clear();
    this.append('leave\n');
  }

  private append(line: string): void {
    this.sink.append(line);
    this.offset += Buffer.byteLength(line);
    if (this.offset > this.state.maxSize(this.minCompactSize)) {
      const text = this.state.compacted();
      this.sink.rewrite(text);
      this.offset = Buffer.byteLength(text);
    }
  }
}
