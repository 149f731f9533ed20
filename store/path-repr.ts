// Python's repr() of the values that can appear in a path's text form: DistKV prints non-string
// elements as `:` + repr(x), so a path typed for the Python CLI and one printed by us must agree
// character for character.
import { PyFloat } from './codec-value.js';
import type { PathElement } from './path.js';
import { Path } from './path.js';
import { ASSIGNED_AFTER_UNICODE_14 } from './path-unicode14.js';

/** Python's repr(float): shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function reprFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip.
  const [mant, expS] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expS); // value = d.ddd × 10^exp
  const decpt = exp + 1; // value = 0.dddd × 10^decpt
  if (decpt > 16 || decpt < -3) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

// Python's str.isprintable(): everything but "Other" and "Separator" categories (space excepted),
// by the peer's Unicode 14.0 tables: later assignments count as unassigned (Cn) there.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function assignedAfter14(cp: number): boolean {
  const t = ASSIGNED_AFTER_UNICODE_14;
  let lo = 0;
  let hi = t.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < t[2 * mid]!) hi = mid - 1;
    else if (cp > t[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

function isPrintable(ch: string, cp: number): boolean {
  return cp === 0x20 || (!NON_PRINTABLE.test(ch) && !assignedAfter14(cp));
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Python's repr(str). */
export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex2(cp);
    else if (cp < 0x7f) out += ch;
    else if (isPrintable(ch, cp)) out += ch;
    else if (cp < 0x100) out += '\\x' + hex2(cp);
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + quote;
}

/** Python's repr(bytes). */
export function reprBytes(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = 'b' + String.fromCharCode(quote);
  for (const c of b) {
    if (c === quote || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + hex2(c);
    else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(quote);
}

/** Python's repr() of a path element. */
export function reprElement(el: PathElement): string {
  if (el === null) return 'None';
  if (el === true) return 'True';
  if (el === false) return 'False';
  if (typeof el === 'string') return reprString(el);
  if (typeof el === 'bigint') return el.toString();
  if (typeof el === 'number') return Number.isSafeInteger(el) ? String(el === 0 ? 0 : el) : reprFloat(el);
  if (el instanceof PyFloat) return reprFloat(el.value);
  if (el instanceof Uint8Array) return reprBytes(el);
  if (el instanceof Path) return `P(${reprString(el.toString())})`;
  const items = el as readonly PathElement[];
  if (items.length === 1) return `(${reprElement(items[0]!)},)`;
  return `(${items.map(reprElement).join(', ')})`;
}
