// Serf's -snapshot file for gossip/serf/snapshot.ts: replayed at start (members to rejoin, clocks
// to resume), then appended to as events happen and atomically rewritten when compacted. Writes
// are queued in order on one chain so a compaction never races the appends around it.
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../gossip/runtime.js';
import { SnapshotState, Snapshotter, type SnapshotSink } from '../../gossip/serf/snapshot.js';
import { AppendFile, writeFileAtomic } from '../runtime/files.js';

export class FileSnapshotSink implements SnapshotSink {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private file: AppendFile,
    private readonly log: Logger,
  ) {}

  /** Reads and replays `path` (missing = empty) and returns the Snapshotter to hand to Serf. */
  static async open(path: string, rejoinAfterLeave: boolean, log: Logger): Promise<{ snapshotter: Snapshotter; sink: FileSnapshotSink }> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const state = SnapshotState.replay(text, rejoinAfterLeave, (m) => log.log('warn', 'serf', m));
    const sink = new FileSnapshotSink(path, await AppendFile.open(path), log);
    return { snapshotter: new Snapshotter(state, sink, Buffer.byteLength(text), rejoinAfterLeave), sink };
  }

  append(text: string): void {
    if (this.closed) return;
    const bytes = Buffer.from(text);
    this.enqueue(() => this.file.write(bytes));
  }

  rewrite(text: string): void {
    if (this.closed) return;
    this.enqueue(async () => {
      await this.file.close();
      await writeFileAtomic(this.path, text);
      this.file = await AppendFile.open(this.path);
    });
  }

  /** Waits for every queued write, makes it durable and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    this.enqueue(async () => {
      await this.file.sync();
      await this.file.close();
    });
    await this.chain;
  }

  private enqueue(op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch((e: unknown) => {
      // Like Go's snapshotter: log and keep going; the next compaction rewrites the whole state.
      if (!this.failed) this.log.log('error', 'serf', 'failed to write snapshot', { path: this.path, error: e instanceof Error ? e.message : String(e) });
      this.failed = true;
    });
  }
}
