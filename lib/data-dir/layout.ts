// The files of a data directory (docs/server-node.md "Data directory"): generation N is a full
// snapshot `N.snap.dkv` (written atomically, so it exists only complete) and the change log
// `N.log.dkv` started at the same instant. Both are DistKV record files in our checked form, so
// `cat 3.snap.dkv 3.log.dkv > x; distkv server -l x` (ours or Python's) loads them too.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export type DataFileKind = 'snap' | 'log';

export interface DataFile {
  gen: number;
  kind: DataFileKind;
  path: string;
}

const NAME = /^(\d{8,})\.(snap|log)\.dkv$/;

export function dataFileName(gen: number, kind: DataFileKind): string {
  return `${String(gen).padStart(8, '0')}.${kind}.dkv`;
}

export function dataFilePath(dir: string, gen: number, kind: DataFileKind): string {
  return join(dir, dataFileName(gen, kind));
}

/** Our files in `dir`, by generation then snapshot before log; other names are left alone. */
export async function listDataFiles(dir: string): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (m) out.push({ gen: Number(m[1]), kind: m[2] as DataFileKind, path: join(dir, name) });
  }
  return out.sort((a, b) => a.gen - b.gen || (a.kind === b.kind ? 0 : a.kind === 'snap' ? -1 : 1));
}
