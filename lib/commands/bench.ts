// `distkv bench store --keys N`: heap bytes per key of the store model (beyond the key's and
// value's own string bytes) next to a bare Map<string,string> measured the same way in the same
// run, plus apply rates for local changes and remote updates. Ends with one line
// `bytes-per-key <overhead> apply-ops-per-s <n>` (n = remote update applies per second).
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseArgs, UsageError } from '../args.js';
import { Path } from '../../store/path.js';
import { Store } from '../../store/store.js';

export interface StoreBenchResult {
  keys: number;
  /** Heap bytes per key of the key and value strings themselves. */
  stringBytesPerKey: number;
  mapOverhead: number;
  storeOverhead: number;
  /** Remote update applies per second (wire form parsed, chains of up to `links` links). */
  remoteOpsPerS: number;
  /** Local set_value per second. */
  localOpsPerS: number;
  chainLinks: number;
}

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Flat one-byte strings, as a msgpack decoder produces them. */
function valueString(i: number, size: number): string {
  const b = Buffer.alloc(size, 0x61 + (i % 26));
  b.write(i.toString(36), 0, 'latin1');
  return b.toString('latin1');
}

function keyString(i: number): string {
  return 'k' + i.toString(36).padStart(7, '0');
}

function measure<T>(gc: () => void, build: () => T): [number, T] {
  const before = heapAfterGc(gc);
  const obj = build();
  const after = heapAfterGc(gc);
  return [after - before, obj];
}

export function benchStore(opts: { keys: number; valueSize?: number; links?: number; log?: (s: string) => void }): StoreBenchResult {
  const n = opts.keys;
  const size = opts.valueSize ?? 64;
  const links = Math.max(1, Math.min(opts.links ?? 3, 8));
  const log = opts.log ?? (() => {});
  const gc = getGc();

  // the strings alone, held by two preallocated arrays (8 bytes per slot each)
  const [strDelta, strs] = measure(gc, () => {
    const k = new Array<string>(n);
    const v = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      k[i] = keyString(i);
      v[i] = valueString(i, size);
    }
    return [k, v];
  });
  const stringBytes = strDelta / n - 16;
  void strs.length;
  log(`strings: ${stringBytes.toFixed(1)} B/key (key + ${size}-byte value)`);

  const [mapDelta, map] = measure(gc, () => {
    const m = new Map<string, string>();
    for (let i = 0; i < n; i++) m.set(keyString(i), valueString(i, size));
    return m;
  });
  const mapOverhead = mapDelta / n - stringBytes;
  log(`Map<string,string>: ${mapOverhead.toFixed(1)} B/key overhead`);
  map.clear();

  // remote updates: `links` writers each overwrite every key, so chains end `links` long
  const writers = Array.from({ length: links }, (_, w) => `node-${w}`);
  let remoteMs = 0;
  const [storeDelta, store] = measure(gc, () => {
    const s = new Store('bench');
    s.markReady();
    const t0 = performance.now();
    let tock = 1;
    for (let i = 0; i < n; i++) {
      const path = Path.trusted([keyString(i)]);
      let prev: Record<string, unknown> | null = null;
      for (let w = 0; w < links; w++) {
        const msg: Record<string, unknown> = { node: writers[w], tick: i + 1, prev, path, value: valueString(i, size), tock: ++tock };
        s.applyUpdate(msg);
        prev = { node: writers[w], tick: i + 1, prev };
      }
    }
    remoteMs = performance.now() - t0;
    return s;
  });
  const storeOverhead = storeDelta / n - stringBytes;
  const remoteOpsPerS = (n * links) / (remoteMs / 1000);
  log(`Store: ${storeOverhead.toFixed(1)} B/key overhead (${(storeOverhead / mapOverhead).toFixed(2)}× Map), chains of ${links} links`);
  log(`remote apply: ${Math.round(remoteOpsPerS)} updates/s`);

  const localN = Math.min(n, 200_000);
  const t1 = performance.now();
  for (let i = 0; i < localN; i++) store.setValue([keyString(i)], valueString(i, size));
  const localOpsPerS = localN / ((performance.now() - t1) / 1000);
  log(`local set_value: ${Math.round(localOpsPerS)} ops/s`);

  return { keys: n, stringBytesPerKey: stringBytes, mapOverhead, storeOverhead, remoteOpsPerS, localOpsPerS, chainLinks: links };
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, {
      keys: { type: 'string', help: 'number of keys (default 1000000)' },
      'value-size': { type: 'string', help: 'value bytes (default 64)' },
      links: { type: 'string', help: 'chain links per entry (default 3)' },
    });
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`distkv bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const [what] = parsed.positional;
  if (what !== 'store') {
    process.stderr.write('usage: distkv bench store [--keys N] [--value-size B] [--links L]\n');
    return 2;
  }
  const num = (k: string, d: number) => {
    const v = parsed.flags.get(k);
    const x = v === undefined ? d : Number(v);
    if (!Number.isInteger(x) || x <= 0) throw new UsageError(`--${k} must be a positive integer`);
    return x;
  };
  let keys: number, valueSize: number, links: number;
  try {
    keys = num('keys', 1_000_000);
    valueSize = num('value-size', 64);
    links = num('links', 3);
  } catch (e) {
    process.stderr.write(`distkv bench: ${(e as Error).message}\n`);
    return 2;
  }
  const r = benchStore({ keys, valueSize, links, log: (s) => process.stdout.write(s + '\n') });
  process.stdout.write(`bytes-per-key ${Math.round(r.storeOverhead)} apply-ops-per-s ${Math.round(r.remoteOpsPerS)}\n`);
  return 0;
}
