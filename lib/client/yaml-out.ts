// Printing values the way DistKV's CLI does (its `yprint`, YAML with a `!P` tag for paths) for
// the common shapes: scalars, maps, lists, paths, bytes. Not a general YAML emitter.
import { isDict, dictEntries, PyFloat, type Value } from '../../store/codec.js';
import { Path } from '../../store/path.js';

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_ ./-]*$/;
const RESERVED = /^(true|false|null|~)$/i;

function scalar(v: Value, top: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? v.value.toFixed(1) : String(v.value);
  if (v instanceof Path) return `!P ${v.toString()}`;
  if (v instanceof Uint8Array) return `!!binary |\n  ${Buffer.from(v).toString('base64')}`;
  if (typeof v === 'string') {
    if (!top && PLAIN.test(v) && !RESERVED.test(v) && !v.endsWith(' ')) return v;
    return `'${v.replace(/'/g, "''")}'`;
  }
  return String(v);
}

function key(k: Value): string {
  return typeof k === 'string' ? scalar(k, false) : k === null ? 'null' : scalar(k, false);
}

function lines(v: Value, indent: string): string[] {
  if (isDict(v)) {
    const ents = dictEntries(v).sort(([a], [b]) => String(a).localeCompare(String(b)));
    if (!ents.length) return ['{}'];
    const out: string[] = [];
    for (const [k, x] of ents) {
      if ((isDict(x) && dictEntries(x).length) || (Array.isArray(x) && x.length)) {
        out.push(`${indent}${key(k)}:`);
        out.push(...lines(x as Value, Array.isArray(x) ? indent : indent + '  '));
      } else out.push(`${indent}${key(k)}: ${isDict(x) ? '{}' : Array.isArray(x) ? '[]' : scalar(x as Value, false)}`);
    }
    return out;
  }
  if (Array.isArray(v)) {
    if (!v.length) return ['[]'];
    const out: string[] = [];
    for (const x of v as Value[]) {
      const sub = lines(x, indent + '  ');
      if (isDict(x) || Array.isArray(x)) out.push(`${indent}- ${sub[0]!.trimStart()}`, ...sub.slice(1));
      else out.push(`${indent}- ${scalar(x, false)}`);
    }
    return out;
  }
  return [indent + scalar(v, true)];
}

/** One document, as `yprint` prints it (keys sorted, as ruyaml's safe dump does). */
export function yamlOut(v: Value): string {
  return lines(v, '').join('\n') + '\n';
}
