// A data-dir snapshot in two steps, so a big store does not stop the server while it is encoded
// and written: `captureSnapshot` runs synchronously (at the instant the new log starts) and keeps
// the state record's bytes plus, for every entry with a value, references to its path, value,
// chain and tock — the store replaces these objects on change and never mutates them, so the
// capture stays the store of that instant. `encodeSnapshot` then makes DistKV's checked records
// (store/files-writer.ts, as snapshotChunks does) slice by slice, yielding to the event loop
// between slices. Entries are taken in the tree's own (insertion) order, not sorted: the file is
// the same record set, paths still shortened against their neighbours.
import { NOT_GIVEN, type Entry, type EntryChain } from '../../store/entry.js';
import { chainToWire } from '../../store/chain.js';
import { FileWriter } from '../../store/files.js';
import type { Value } from '../../store/codec.js';
import type { Path } from '../../store/path.js';
import type { Store } from '../../store/store.js';

interface Item {
  path: Path;
  value: Value;
  chain: EntryChain | null;
  tock: number;
}

export interface CapturedSnapshot {
  readonly writer: FileWriter;
  readonly state: Uint8Array;
  readonly items: Item[];
}

/** The store at this instant (synchronous; references, no encoding). Meta tree included. */
export function captureSnapshot(store: Store): CapturedSnapshot {
  const writer = new FileWriter({ checked: true });
  const state = writer.state(store.getState({ nodes: true, known: true, deleted: true }));
  const items: Item[] = [];
  const stack: Entry[] = [store.root];
  while (stack.length) {
    const e = stack.pop()!;
    if (e.value !== NOT_GIVEN) items.push({ path: e.path, value: e.value as Value, chain: e.chain, tock: e.tock });
    if (e.children) {
      const kids = [...e.children.values()];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return { writer, state, items };
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The snapshot file's bytes, about `bufferBytes` per chunk, the event loop served between chunks. */
export async function* encodeSnapshot(c: CapturedSnapshot, bufferBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [c.state];
  let n = c.state.length;
  for (const it of c.items) {
    // python's Entry.serialize key order: value, chain, tock, path
    const rec: { value: Value; chain?: ReturnType<typeof chainToWire>; tock: number; path: Path } = { value: it.value, tock: it.tock, path: it.path };
    const wire = it.chain ? { value: it.value, chain: chainToWire(it.chain, -1), tock: it.tock, path: it.path } : rec;
    const b = c.writer.update(wire);
    parts.push(b);
    n += b.length;
    if (n >= bufferBytes) {
      yield Buffer.concat(parts, n);
      parts = [];
      n = 0;
      await yieldToLoop();
    }
  }
  const end = c.writer.end();
  parts.push(end);
  n += end.length;
  yield Buffer.concat(parts, n);
}
