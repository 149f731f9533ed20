// What `distkv client` prints: YAML as DistKV's `yprint` (default) or one JSON document per line
// (`--json`). JSON has no paths, bytes or big ints, so those become text: a Path its DistKV
// spelling, bytes base64 (`{"$bytes": "..."}`), a bigint its decimal digits.
import { dictEntries, isDict, Ext, PyFloat, Timestamp, type Value } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import { yamlOut } from './yaml-out.js';

export type OutputFormat = 'yaml' | 'json';

export function jsonOf(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return v.value;
  if (v instanceof Path) return v.toString();
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (v instanceof Ext) return { $ext: v.type, data: Buffer.from(v.data).toString('base64') };
  if (v instanceof Timestamp) return Number(v.seconds) + v.nanoseconds / 1e9;
  if (Array.isArray(v)) return v.map((x: Value) => jsonOf(x));
  if (isDict(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of dictEntries(v)) o[k instanceof Path ? k.toString() : typeof k === 'string' ? k : JSON.stringify(jsonOf(k))] = jsonOf(x);
    return o;
  }
  return String(v);
}

export class Printer {
  constructor(
    readonly format: OutputFormat,
    private readonly write: (text: string) => void,
  ) {}

  /** One document. */
  value(v: Value): void {
    this.write(this.format === 'json' ? JSON.stringify(jsonOf(v)) + '\n' : yamlOut(v));
  }

  /** One document of a stream (YAML: followed by `---`, as DistKV's monitor prints). */
  streamItem(v: Value): void {
    this.value(v);
    if (this.format === 'yaml') this.write('---\n');
  }

  /** Plain text (python `print`). */
  line(text: string): void {
    this.write(text + '\n');
  }
}
