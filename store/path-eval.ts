// Python semantics for the expressions simpleeval (0.9.12, as DistKV 0.57.4 configures it)
// evaluates in `:<literal>` path elements and CLI `-e` values: arithmetic on ints (arbitrary
// precision), floats and bools, str/bytes/tuple concatenation and repetition, comparisons,
// `in`/`not in`, `not`/`and`/`or`, `x if c else y`, with simpleeval's limits (exponent and
// operands of ** ≤ 4000000, shifts ≤ 10000, sequences ≤ 100000 items).
// Not supported (Error): `is`, bit operators (simpleeval has none either), calls, subscripts.
import { PyFloat, pyFloat } from './codec-value.js';
import type { PathElement } from './path.js';

export type Expr =
  | { k: 'lit'; v: PathElement }
  | { k: 'name'; v: string }
  | { k: 'tuple'; items: Expr[] }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'cmp'; ops: string[]; items: Expr[] }
  | { k: 'and' | 'or'; items: Expr[] }
  | { k: 'if'; c: Expr; a: Expr; b: Expr };

const MAX_POWER = 4000000n;
const MAX_SHIFT = 10000n;
const MAX_STRING_LENGTH = 100000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type Num = { int: bigint } | { float: number };

function norm(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

/** The number inside a Python int/float/bool, or undefined. */
function num(v: PathElement): Num | undefined {
  if (typeof v === 'boolean') return { int: v ? 1n : 0n };
  if (typeof v === 'bigint') return { int: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { int: BigInt(v) } : { float: v };
  if (v instanceof PyFloat) return { float: v.value };
  return undefined;
}

function toFloat(n: Num): number {
  if ('float' in n) return n.float;
  const f = Number(n.int);
  if (!Number.isFinite(f)) throw new Error('OverflowError: int too large to convert to float');
  return f;
}

function len(v: PathElement): number | undefined {
  if (typeof v === 'string') return [...v].length;
  if (v instanceof Uint8Array || Array.isArray(v)) return (v as { length: number }).length;
  return undefined;
}

export function truthy(v: PathElement): boolean {
  if (v === null || v === false) return false;
  const n = num(v);
  if (n) return 'int' in n ? n.int !== 0n : n.float !== 0;
  const l = len(v);
  return l === undefined ? true : l > 0;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** C's copysign(0.0, x). */
function copysign0(x: number): number {
  return x < 0 || Object.is(x, -0) ? -0 : 0;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** n/d correctly rounded to a double (round-half-even), as CPython's int true division does. */
export function ratioToFloat(n: bigint, d: bigint): number {
  if (d === 0n) throw new Error('ZeroDivisionError');
  const neg = n < 0n !== d < 0n;
  if (n < 0n) n = -n;
  if (d < 0n) d = -d;
  if (n === 0n) return neg ? -0 : 0;
  // Scale so the quotient has 55..56 bits, keeping a sticky bit for the remainder.
  const shift = 55 - (bitLength(n) - bitLength(d));
  const q0 = shift >= 0 ? (n << BigInt(shift)) / d : n / (d << BigInt(-shift));
  const exact = shift >= 0 ? (n << BigInt(shift)) % d === 0n : n % (d << BigInt(-shift)) === 0n;
  let exp = -shift; // value = q0 × 2^exp (+ remainder)
  let q = q0;
  let extra = bitLength(q) - 53;
  // Subnormal results keep fewer bits.
  if (exp + extra < -1074) extra = -1074 - exp;
  let m: bigint;
  if (extra > 0) {
    const mask = (1n << BigInt(extra)) - 1n;
    const rest = q & mask;
    const half = 1n << BigInt(extra - 1);
    m = q >> BigInt(extra);
    if (rest > half || (rest === half && (!exact || (m & 1n) === 1n))) m += 1n;
    exp += extra;
  } else m = q;
  const v = Number(m) * 2 ** Math.max(exp, -1074) * (exp < -1074 ? 2 ** (exp + 1074) : 1);
  if (!Number.isFinite(v)) throw new Error('OverflowError: integer division result too large for a float');
  return neg ? -v : v;
}

/** x**n for a finite nonzero double and a small integer n, correctly rounded. */
function exactPow(x: number, n: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const bits = dv.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const be = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let e: number;
  if (be === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = be - 1075;
  } // |x| = m × 2^e
  const k = BigInt(Math.abs(n));
  let num = m ** k;
  let den = 1n;
  const shift = e * Math.abs(n);
  if (shift >= 0) num <<= BigInt(shift);
  else den <<= BigInt(-shift);
  if (n < 0) [num, den] = [den, num];
  const r = ratioToFloat(num, den);
  return neg && n % 2 !== 0 ? -r : r;
}

/** CPython's float_divmod, so // and % agree with Python to the last bit. */
function floatDivmod(vx: number, wx: number): [number, number] {
  if (wx === 0) throw new Error('ZeroDivisionError: float divmod()');
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  // C's `if (x)` is true for NaN, JS's is not: compare with 0 explicitly.
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else mod = copysign0(wx);
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else floordiv = copysign0(vx / wx);
  return [floordiv, mod];
}

function repeat(seq: PathElement, times: bigint): PathElement {
  const n = times < 0n ? 0 : Number(times);
  const l = len(seq)!;
  if (n * l > MAX_STRING_LENGTH) throw new Error('IterableTooLong');
  if (typeof seq === 'string') return seq.repeat(n);
  if (seq instanceof Uint8Array) {
    const out = new Uint8Array(seq.length * n);
    for (let i = 0; i < n; i++) out.set(seq, i * seq.length);
    return out;
  }
  const arr = seq as readonly PathElement[];
  return Array.from({ length: n }, () => arr).flat(1) as PathElement[];
}

function arith(op: string, x: PathElement, y: PathElement): PathElement {
  const a = num(x);
  const b = num(y);
  if (op === '+' && !a && !b) {
    const la = len(x);
    const lb = len(y);
    if (la !== undefined && lb !== undefined && la + lb > MAX_STRING_LENGTH) throw new Error('IterableTooLong');
    if (typeof x === 'string' && typeof y === 'string') return x + y;
    if (x instanceof Uint8Array && y instanceof Uint8Array) return Uint8Array.from([...x, ...y]);
    if (Array.isArray(x) && Array.isArray(y)) return [...x, ...y];
  }
  if (op === '*' && (!a || !b) && (a || b)) {
    const seq = a ? y : x;
    const n = a ?? b!;
    if ('int' in n && len(seq) !== undefined) return repeat(seq, n.int);
  }
  if (!a || !b) throw new Error(`TypeError: unsupported operand types for ${op}`);
  if (op === '**') {
    const big = (n: Num) => ('int' in n ? (n.int < 0n ? -n.int : n.int) > MAX_POWER : Math.abs(n.float) > Number(MAX_POWER));
    if (big(a) || big(b)) throw new Error('NumberTooHigh');
    // Python would grind out 4000000**4000000; we refuse results beyond a million bits.
    if ('int' in a && 'int' in b && b.int > 0n && BigInt(a.int.toString(2).length) * b.int > 1_000_000n) throw new Error('result too large');
  }
  if (op === '<<' || op === '>>') {
    if (!('int' in a) || !('int' in b)) throw new Error('TypeError: shift needs ints');
    if ((b.int < 0n ? -b.int : b.int) > MAX_SHIFT) throw new Error('NumberTooHigh');
    if (b.int < 0n) throw new Error('ValueError: negative shift count');
    return norm(op === '<<' ? a.int << b.int : a.int >> b.int);
  }
  if ('int' in a && 'int' in b && op !== '/') {
    const p = a.int;
    const q = b.int;
    switch (op) {
      case '+':
        return norm(p + q);
      case '-':
        return norm(p - q);
      case '*':
        return norm(p * q);
      case '//':
        if (q === 0n) throw new Error('ZeroDivisionError');
        return norm(floorDiv(p, q));
      case '%':
        if (q === 0n) throw new Error('ZeroDivisionError');
        return norm(p - floorDiv(p, q) * q);
      case '**':
        if (q >= 0n) return norm(p ** q);
        if (p === 0n) throw new Error('ZeroDivisionError');
        // Python converts both to float and calls C pow(), which is correctly rounded for
        // these; the exact ratio 1 / p^-q rounded once gives the same double.
        return pyFloat(ratioToFloat(1n, p ** -q));
    }
  }
  if (op === '/' && 'int' in a && 'int' in b) {
    return pyFloat(ratioToFloat(a.int, b.int));
  }
  const p = toFloat(a);
  const q = toFloat(b);
  switch (op) {
    case '+':
      return pyFloat(p + q);
    case '-':
      return pyFloat(p - q);
    case '*':
      return pyFloat(p * q);
    case '/':
      if (q === 0) throw new Error('ZeroDivisionError');
      return pyFloat(p / q);
    case '//':
      return pyFloat(floatDivmod(p, q)[0]);
    case '%':
      return pyFloat(floatDivmod(p, q)[1]);
    case '**': {
      if (p === 0 && q < 0) throw new Error('ZeroDivisionError');
      if (p < 0 && !Number.isInteger(q)) throw new Error('complex results are not path elements');
      // C pow() (glibc: correctly rounded) and V8's ** can differ in the last bit; with a small
      // integral exponent the exact power rounded once is what C gets.
      if (Number.isInteger(q) && Math.abs(q) <= 64 && Number.isFinite(p) && p !== 0) return pyFloat(exactPow(p, q));
      const r = p ** q;
      if (!Number.isFinite(r) && Number.isFinite(p) && Number.isFinite(q)) throw new Error('OverflowError');
      return pyFloat(r);
    }
  }
  throw new Error(`unsupported operator ${op}`);
}

function equal(x: PathElement, y: PathElement): boolean {
  const a = num(x);
  const b = num(y);
  if (a || b) {
    if (!a || !b) return false;
    if ('int' in a && 'int' in b) return a.int === b.int;
    const fa = 'int' in a ? a.int : a.float;
    const fb = 'int' in b ? b.int : b.float;
    return fa == fb; // eslint-disable-line eqeqeq -- exact mixed bigint/number comparison
  }
  if (x === null || y === null) return x === y;
  if (typeof x === 'string' || typeof y === 'string') return x === y;
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    return x instanceof Uint8Array && y instanceof Uint8Array && x.length === y.length && x.every((c, i) => c === y[i]);
  }
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((e, i) => equal(e, (y as PathElement[])[i]!));
  return false;
}

/** Python's <, as -1/0/1; TypeError for unorderable pairs. */
function order(x: PathElement, y: PathElement): number {
  const a = num(x);
  const b = num(y);
  if (a && b) {
    const fa = 'int' in a ? a.int : a.float;
    const fb = 'int' in b ? b.int : b.float;
    if (Number.isNaN(fa) || Number.isNaN(fb)) return NaN;
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  if (typeof x === 'string' && typeof y === 'string') {
    const cx = [...x].map((c) => c.codePointAt(0)!);
    const cy = [...y].map((c) => c.codePointAt(0)!);
    return seqOrder(cx, cy, (p, q) => p - q);
  }
  if (x instanceof Uint8Array && y instanceof Uint8Array) return seqOrder([...x], [...y], (p, q) => p - q);
  if (Array.isArray(x) && Array.isArray(y)) {
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) if (!equal(x[i], y[i])) return order(x[i], y[i]);
    return x.length - y.length;
  }
  throw new Error("TypeError: '<' not supported between these types");
}

function seqOrder<T>(a: T[], b: T[], cmp: (p: T, q: T) => number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i]!, b[i]!);
    if (c) return c;
  }
  return a.length - b.length;
}

function contains(hay: PathElement, needle: PathElement): boolean {
  if (typeof hay === 'string') {
    if (typeof needle !== 'string') throw new Error("TypeError: 'in <string>' requires string as left operand");
    return hay.includes(needle);
  }
  if (hay instanceof Uint8Array) {
    const n = num(needle);
    if (n && 'int' in n) {
      if (n.int < 0n || n.int > 255n) throw new Error('ValueError: byte must be in range(0, 256)');
      return hay.includes(Number(n.int));
    }
    if (!(needle instanceof Uint8Array)) throw new Error('TypeError: a bytes-like object is required');
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }
  if (Array.isArray(hay)) return hay.some((e) => equal(e, needle));
  throw new Error('TypeError: argument is not iterable');
}

function compare(op: string, a: PathElement, b: PathElement): boolean {
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case 'is':
    case 'is not':
      throw new Error('identity comparisons are not supported');
  }
  const c = order(a, b);
  if (Number.isNaN(c)) return false;
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

export function evaluate(e: Expr): PathElement {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'name':
      throw new Error(`NameNotDefined: ${e.v}`);
    case 'tuple':
      return e.items.map(evaluate);
    case 'un': {
      const v = evaluate(e.a);
      if (e.op === 'not') return !truthy(v);
      if (e.op === '~') throw new Error('OperatorNotDefined: ~');
      const n = num(v);
      if (!n) throw new Error(`TypeError: bad operand type for unary ${e.op}`);
      if ('int' in n) return norm(e.op === '-' ? -n.int : n.int);
      return pyFloat(e.op === '-' ? -n.float : n.float);
    }
    case 'bin':
      return arith(e.op, evaluate(e.a), evaluate(e.b));
    case 'cmp': {
      let right = evaluate(e.items[0]!);
      let res = true;
      for (let i = 0; i < e.ops.length && res; i++) {
        const left = right;
        right = evaluate(e.items[i + 1]!);
        res = compare(e.ops[i]!, left, right);
      }
      return res;
    }
    case 'and': {
      let v: PathElement = false;
      for (const x of e.items) if (!truthy((v = evaluate(x)))) return v;
      return v;
    }
    case 'or': {
      let v: PathElement = false;
      for (const x of e.items) if (truthy((v = evaluate(x)))) return v;
      return v;
    }
    case 'if':
      return truthy(evaluate(e.c)) ? evaluate(e.a) : evaluate(e.b);
  }
}
