// DistKV's text form of a path (reference §1.1), reproducing Python's `Path.__str__` and
// `Path.from_str` (distkv/util/_path.py) including their quirks:
// - `.` separates string elements; `:` escapes: `:.` dot, `::` colon, `:_` space (inside elements);
// - element markers `:t :f :n :e`, `:x<hex>` / `:b<bin>` ints (Python int(s, base) rules, so
//   `_` separators and a sign are accepted), `:v<ascii>` / `:y<hex>` bytes, and `:<literal>`
//   evaluated (numbers, strings, tuples, True/False/None; see path-literal.ts);
// - a single `:` is the empty path; the empty string is an error;
// - after a `.` only a string, `:x`/`:b`/`:v`/`:y` or an escape may follow (Python refuses
//   `a.:1` and `a.:t`, but takes `a.:x1f`); after `:t`/`:f`/`:n`/`:e` only `.` or `:` may follow.
// - 1-tuples print as their only element (`:1`) and read back as that element, as in Python.
import { DecodeError } from '../gossip/decode-error.js';
import { PyFloat } from './codec-value.js';
import { evalPathLiteral, parsePyInt } from './path-literal.js';
import type { PathElement } from './path.js';
import { Path } from './path.js';
import { reprElement, reprFloat } from './path-repr.js';

function escape(s: string): string {
  return s.replace(/:/g, '::').replace(/\./g, ':.').replace(/ /g, ':_');
}

function isPrintableAscii(b: Uint8Array): boolean {
  for (const c of b) if (c < 32 || c >= 127) return false;
  return true;
}

/** Python's `str(Path(*elements))`. */
export function formatPath(elements: readonly PathElement[]): string {
  if (elements.length === 0) return ':';
  let out = '';
  for (const x of elements) {
    if (typeof x === 'string' && x.length > 0) {
      if (out.length > 0) out += '.';
      out += escape(x);
    } else if (x instanceof Uint8Array) {
      if (isPrintableAscii(x)) out += ':v' + escape(String.fromCharCode(...x));
      else out += ':y' + Array.from(x, (c) => c.toString(16).padStart(2, '0')).join('');
    } else if ((x instanceof Path || Array.isArray(x)) && (x as { length: number }).length > 0) {
      const items = x instanceof Path ? x.elements : (x as readonly PathElement[]);
      out += ':' + escape(items.map(reprElement).join(','));
    } else if (x === true) out += ':t';
    else if (x === false) out += ':f';
    else if (x === null) out += ':n';
    else if (x === '') out += ':e';
    else if (x instanceof Path || Array.isArray(x)) out += ':()';
    else if (x instanceof PyFloat) out += ':' + escape(reprFloat(x.value));
    else out += ':' + escape(reprElement(x as PathElement));
  }
  return out;
}

const TOKEN = /[^:._]+|_|:|\./g;

/** Where the parser stands between tokens (Python's `part`). */
type Part =
  | { k: 'start' } // nothing yet: only a marker/escape may come (Python: False)
  | { k: 'sep' } // right after `.`: no `.` and no eval marker (Python: None)
  | { k: 'closed' } // after :t :f :n :e: only `.` or `:` (Python: True)
  | { k: 'text'; s: string }; // collecting text (Python: a str)

type EvalMode = 'none' | 'literal' | 'hex' | 'bin' | 'hexbytes' | 'asciibytes';

function fail(text: string, at: number, why: string): never {
  throw new DecodeError(`bad path ${JSON.stringify(text)}: ${why}`, at, 'path text');
}

/** Python's `Path.from_str(text)` elements; DecodeError (with the character offset) on bad syntax. */
export function parsePath(text: string): PathElement[] {
  if (text === ':') return [];
  if (text === '') fail(text, 0, 'the empty string is not a path');
  const res: PathElement[] = [];
  let part: Part = { k: 'start' };
  let mode: EvalMode = 'none';
  let esc = false;
  let at = 0;

  const add = (s: string): void => {
    part = { k: 'text', s: part.k === 'text' ? part.s + s : s };
  };
  const done = (next: Part): void => {
    if (part.k === 'text') {
      const s = part.s;
      if (mode === 'none') res.push(s);
      else {
        const m = mode;
        mode = 'none';
        try {
          res.push(evaluate(s, m));
        } catch (e) {
          fail(text, at, `cannot evaluate ${JSON.stringify(s)}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    part = next;
  };
  // The closures above change `part`; read it through a call so TS does not narrow it.
  const kind = (): Part['k'] => part.k;
  const marker = (el: PathElement): void => {
    if (kind() === 'sep') fail(text, at, 'a marker cannot follow "."');
    done({ k: 'closed' });
    res.push(el);
  };

  for (const m of text.matchAll(TOKEN)) {
    const e = m[0];
    at = m.index!;
    if (esc) {
      esc = false;
      if (e === ':' || e === '.') add(e);
      else if (e === 'e') marker('');
      else if (e === 't') marker(true);
      else if (e === 'f') marker(false);
      else if (e === 'n') marker(null);
      else if (e === '_') add(' ');
      else if ('bxyv'.includes(e[0]!)) {
        done({ k: 'sep' });
        part = { k: 'text', s: e.slice(1) };
        mode = e[0] === 'b' ? 'bin' : e[0] === 'x' ? 'hex' : e[0] === 'y' ? 'hexbytes' : 'asciibytes';
      } else {
        if (kind() === 'sep') fail(text, at, 'cannot evaluate right after "."');
        done({ k: 'text', s: '' });
        add(e);
        mode = 'literal';
      }
    } else if (e === '.') {
      if (kind() === 'sep' || kind() === 'start') fail(text, at, 'unexpected "."');
      done({ k: 'sep' });
    } else if (e === ':') {
      esc = true;
    } else if (kind() === 'closed') {
      fail(text, at, 'text after a marker needs a "." first');
    } else add(e);
  }
  at = text.length;
  if (esc) fail(text, at, 'dangling ":"');
  if (kind() === 'sep') fail(text, at, 'path ends with "."');
  done({ k: 'sep' });
  return res;
}

function evaluate(s: string, mode: EvalMode): PathElement {
  switch (mode) {
    case 'hex':
      return parsePyInt(s, 16);
    case 'bin':
      return parsePyInt(s, 2);
    case 'hexbytes': {
      // Python's bytes.fromhex: hex pairs; ASCII whitespace (only) is skipped.
      const out: number[] = [];
      let i = 0;
      while (i < s.length) {
        if (/[ \t\n\r\f\v]/.test(s[i]!)) {
          i++;
          continue;
        }
        const pair = s.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new Error('non-hexadecimal number');
        out.push(parseInt(pair, 16));
        i += 2;
      }
      return Uint8Array.from(out);
    }
    case 'asciibytes': {
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) throw new Error('not ASCII');
        out[i] = c;
      }
      return out;
    }
    default:
      return evalPathLiteral(s);
  }
}
