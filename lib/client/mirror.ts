// A live local copy of a subtree (python `Client.mirror` / `MirrorRoot`): a `watch` with `fetch`
// fills it, `uptodate` makes it ready, every later change updates it. Reads are local and
// synchronous. When the connection goes, the mirror stops (it never pretends to be current:
// `error` says why) — there is no reconnect, as for the client.
import type { Value, ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import type { DistkvClient, ReplyStream } from './client.js';

export interface MirrorEntry {
  path: Path;
  value: Value;
  /** The entry's change chain (node, tick, prev…), for conditional writes. */
  chain: Value;
  tock: number;
}

export type MirrorListener = (path: Path, entry: MirrorEntry | undefined) => void;

export class Mirror {
  private readonly entries = new Map<string, MirrorEntry>();
  private readonly listeners = new Set<MirrorListener>();
  private readonly tockWaiters: { tock: number; resolve(): void; reject(e: Error): void }[] = [];
  private maxTock = 0;
  private failure: Error | undefined;
  private stopped = false;
  private readonly watch: ReplyStream;
  /** Resolves once the initial copy is complete (the server's `uptodate`). */
  readonly ready: Promise<void>;

  constructor(
    private readonly client: DistkvClient,
    readonly root: Path,
    opts: { nchain?: number } = {},
  ) {
    this.watch = client.watch(root, { fetch: true, nchain: opts.nchain ?? 2 });
    this.ready = this.run();
    this.ready.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let markReady: (() => void) | undefined;
    let failReady: ((e: Error) => void) | undefined;
    const ready = new Promise<void>((res, rej) => ((markReady = res), (failReady = rej)));
    void (async () => {
      try {
        for await (const m of this.watch) {
          if (m.state === 'uptodate') {
            markReady?.();
            continue;
          }
          this.apply(m);
        }
        if (!this.stopped) this.fail(new Error('the server ended the mirror'));
      } catch (e) {
        this.fail(e as Error);
      }
      failReady?.(this.failure ?? new Error('mirror closed'));
    })();
    return ready;
  }

  private apply(m: ValueObject): void {
    const path = m.path as Path;
    const key = path.toString();
    const tock = typeof m.tock === 'number' ? m.tock : 0;
    let entry: MirrorEntry | undefined;
    if ('value' in m) {
      entry = { path, value: m.value as Value, chain: (m.chain ?? null) as Value, tock };
      this.entries.set(key, entry);
    } else this.entries.delete(key);
    for (const l of this.listeners) l(path, entry);
    if (tock > this.maxTock) {
      this.maxTock = tock;
      for (let i = this.tockWaiters.length - 1; i >= 0; i--) {
        const w = this.tockWaiters[i]!;
        if (w.tock <= tock) {
          this.tockWaiters.splice(i, 1);
          w.resolve();
        }
      }
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.tockWaiters.splice(0)) w.reject(e);
  }

  /** Why the mirror stopped following the server, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  get(path: Path): MirrorEntry | undefined {
    return this.entries.get(path.toString());
  }

  /** The value at `path` (absolute), undefined when there is none. */
  value(path: Path): Value | undefined {
    return this.get(path)?.value;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every entry with a value, in path order. */
  all(): MirrorEntry[] {
    return [...this.entries.values()].sort((a, b) => a.path.compare(b.path));
  }

  /** Called for every change after it is applied (entry undefined = deleted). */
  onChange(l: MirrorListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Resolves once the mirror has seen a change with this tock or a later one — read-your-writes
   * after `client.set(...)` returned `{tock}` (python `wait_chain` serves the same purpose).
   */
  waitTock(tock: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (tock <= this.maxTock) return Promise.resolve();
    return new Promise((resolve, reject) => this.tockWaiters.push({ tock, resolve, reject }));
  }

  /** Writes `value` only if the entry is still the version this mirror holds (else DistKV's chain error). */
  set(path: Path, value: Value): Promise<ValueObject> {
    const e = this.get(path);
    return this.client.set(path, value, { chain: e ? e.chain : null, nchain: 2 });
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.fail(new Error('mirror closed'));
    await this.watch.stop();
  }
}
