// One server per data directory: a LOCK file holding the owner's pid, created exclusively. A
// lock left by a process that is gone (kill -9, power loss) is taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`data directory ${dir} is in use by process ${pid}`);
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock; returns its release. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => void (await unlink(path).catch(() => undefined));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) throw new DataDirLockedError(dir, pid);
    await unlink(path).catch(() => undefined);
  }
  throw new Error(`data directory ${dir}: could not take the lock`);
}
