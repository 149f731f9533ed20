// Durable file helpers for snapshots and logs: a file is either the old one or the complete new
// one after a crash (write temp + fsync + rename + fsync dir), and big files are read in chunks
// so a snapshot never has to fit in one Buffer.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type FileData = string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface AtomicWriteOptions {
  /** File mode for a new file (default 0o644, before umask). */
  mode?: number;
  /** fsync the directory after the rename so the new name itself survives a crash (default true). */
  syncDir?: boolean;
}

/**
 * Replaces `path` with `data` atomically. The temp file lives in the same directory (rename is
 * only atomic within one filesystem) and is removed if anything fails.
 */
export async function writeFileAtomic(path: string, data: FileData, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', opts.mode ?? 0o644);
    await writeData(fh, data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (opts.syncDir ?? true) await syncDir(dirname(path));
}

/**
 * writeFileAtomic for small files that must be on disk before the caller answers (Serf's tags
 * and keyring files are written while an RPC or a key query waits for the result).
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

async function writeData(fh: FileHandle, data: FileData): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await fh.writeFile(data);
    return;
  }
  for await (const chunk of data) await writeFully(fh, chunk);
}

async function writeFully(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

/** fsync a directory (a no-op where directories cannot be opened for sync, e.g. Windows). */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw e;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Reads a file as a sequence of chunks of at most `chunkSize` bytes (each a fresh buffer the
 * caller may keep). The file is closed when iteration ends, also on break or throw.
 */
export async function* readChunks(path: string, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  if (!(chunkSize > 0)) throw new RangeError('readChunks: chunkSize must be > 0');
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * An append-only file (DistKV's change log): writes go in order; sync() makes everything written
 * so far durable. Not safe for two writers.
 */
export class AppendFile {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
  ) {}

  static async open(path: string, mode = 0o644): Promise<AppendFile> {
    return new AppendFile(await open(path, 'a', mode), path);
  }

  /** Queues `bytes`; the promise settles when they reached the OS (not yet the disk: see sync). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: append after close`));
    return this.enqueue(() => writeFully(this.fh, bytes));
  }

  sync(): Promise<void> {
    return this.enqueue(() => this.fh.sync());
  }

  close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    return this.enqueue(() => this.fh.close());
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.chain.then(op);
    // One failed write must not poison the queue for the caller's later error handling.
    this.chain = next.catch(() => {});
    return next;
  }
}
