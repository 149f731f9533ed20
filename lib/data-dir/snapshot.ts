// A data-dir snapshot in two steps, so a big store does not stop the server while it is encoded
// and written: `captureSnapshot` runs synchronously (at the instant the new log starts) and keeps
// the state record's bytes plus, for every entry with a value, the entry (its path) and
// references to its value, chain and tock — the store replaces these objects on change and never
// mutates them, so the capture stays the store of that instant. `encodeSnapshot` then makes DistKV's checked records
// (store/files-writer.ts, as snapshotChunks does) slice by slice, yielding to the event loop
// between slices. Entries are taken depth first in no particular sibling order (not sorted): the
// file is the same record set, paths still shortened against their neighbours.
import { NOT_GIVEN, type Entry, type EntryChain } from '../../store/entry.js';
import { chainToWire } from '../../store/chain.js';
import { FileWriter } from '../../store/files.js';
import type { Value } from '../../store/codec.js';
import type { Path } from '../../store/path.js';
import type { Store } from '../../store/store.js';

export interface CapturedSnapshot {
  readonly writer: FileWriter;
  readonly state: Uint8Array;
  // parallel arrays, one slot per entry with a value: fewer allocations than an object each.
  // The entry itself stands for its path (computed when encoded: an entry never moves, its key
  // and parent are fixed), the rest is what it held at the capture.
  readonly entries: Entry[];
  readonly values: Value[];
  readonly chains: (EntryChain | null)[];
  readonly tocks: number[];
}

/** The store at this instant (synchronous; references, no encoding). Meta tree included. */
export function captureSnapshot(store: Store): CapturedSnapshot {
  const writer = new FileWriter({ checked: true });
  const state = writer.state(store.getState({ nodes: true, known: true, deleted: true }));
  // two walks: count, then fill arrays allocated once (growing them made the capture GC-bound)
  let n = 0;
  const stack: Entry[] = [store.root];
  while (stack.length) {
    const e = stack.pop()!;
    if (e.value !== NOT_GIVEN) n++;
    if (e.children) for (const k of e.children.values()) stack.push(k);
  }
  const c: CapturedSnapshot = { writer, state, entries: new Array<Entry>(n), values: new Array<Value>(n), chains: new Array<EntryChain | null>(n), tocks: new Array<number>(n) };
  let i = 0;
  stack.push(store.root);
  while (stack.length) {
    const e = stack.pop()!;
    if (e.value !== NOT_GIVEN) {
      c.entries[i] = e;
      c.values[i] = e.value as Value;
      c.chains[i] = e.chain;
      c.tocks[i] = e.tock;
      i++;
    }
    if (e.children) for (const k of e.children.values()) stack.push(k);
  }
  return c;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The snapshot file's bytes, about `bufferBytes` per chunk, the event loop served between chunks. */
export async function* encodeSnapshot(c: CapturedSnapshot, bufferBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [c.state];
  let n = c.state.length;
  for (let i = 0; i < c.entries.length; i++) {
    const path: Path = c.entries[i]!.path;
    const chain = c.chains[i];
    // python's Entry.serialize key order: value, chain, tock, path
    const wire = chain
      ? { value: c.values[i]!, chain: chainToWire(chain, -1), tock: c.tocks[i]!, path }
      : { value: c.values[i]!, tock: c.tocks[i]!, path };
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
