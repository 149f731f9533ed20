// The `:<literal>` elements of a path's text form (and the CLI's `-e` values). Python DistKV runs
// them through simpleeval (with tuples enabled): the text is parsed as a Python module and its
// first statement evaluated. We parse the same grammar — literals in every Python spelling
// (underscores, 0x/0o/0b, exponents, string/bytes prefixes and escapes, implicit
// concatenation), True/False/None, tuples, arithmetic, comparisons, not/and/or, if-else — and
// evaluate with Python's semantics (path-eval.ts). Names, calls (simpleeval's int()/float()/
// str()/rand()), subscripts, `is` and bit operators are refused with an Error.
import { pyFloat } from './codec-value.js';
import type { PathElement } from './path.js';
import { type Expr, evaluate } from './path-eval.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function normInt(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

/** Python's int(s, base) for base 2 or 16. */
export function parsePyInt(s: string, base: 2 | 16): number | bigint {
  let t = s.trim();
  let neg = false;
  if (t.startsWith('-') || t.startsWith('+')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  const prefix = base === 16 ? /^0[xX]_?/ : /^0[bB]_?/;
  t = t.replace(prefix, '');
  const digits = base === 16 ? /^[0-9a-fA-F](_?[0-9a-fA-F])*$/ : /^[01](_?[01])*$/;
  if (!digits.test(t)) throw new Error(`invalid literal for int() with base ${base}: ${JSON.stringify(s)}`);
  const v = BigInt((base === 16 ? '0x' : '0b') + t.replace(/_/g, ''));
  return normInt(neg ? -v : v);
}

type Tok =
  | { t: 'num'; v: PathElement }
  | { t: 'str'; v: string | Uint8Array }
  | { t: 'name'; v: string }
  | { t: 'op'; v: string };

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)[jJ]?/;

function numberToken(text: string): PathElement {
  if (/[jJ]$/.test(text)) throw new Error('complex numbers are not path elements');
  const clean = text.replace(/_/g, '');
  if (/^0[xXoObB]/.test(clean)) return normInt(BigInt(clean.toLowerCase()));
  if (/[.eE]/.test(clean)) return pyFloat(Number(clean));
  if (/^0+$/.test(clean)) return 0;
  if (clean.startsWith('0')) throw new Error('leading zeros in decimal integer literals are not permitted');
  return normInt(BigInt(clean));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Reads a string/bytes literal starting at `i` (at its prefix); returns its value and end. */
function stringToken(src: string, i: number): { v: string | Uint8Array; end: number } {
  const m = /^([rRuUbB]{0,2})('''|"""|'|")/.exec(src.slice(i));
  if (!m) throw new Error('bad string literal');
  const prefix = m[1]!.toLowerCase();
  if (!['', 'r', 'u', 'b', 'br', 'rb'].includes(prefix)) throw new Error(`unsupported string prefix ${m[1]}`);
  const raw = prefix.includes('r');
  const isBytes = prefix.includes('b');
  const q = m[2]!;
  let j = i + m[0].length;
  let out = '';
  for (;;) {
    if (j >= src.length) throw new Error('unterminated string literal');
    if (src.startsWith(q, j)) {
      j += q.length;
      break;
    }
    const c = src[j]!;
    if (c === '\n' && q.length === 1) throw new Error('unterminated string literal');
    if (isBytes && c.charCodeAt(0) > 0x7f) throw new Error('bytes can only contain ASCII literal characters');
    if (c !== '\\') {
      out += c;
      j++;
      continue;
    }
    const n = src[j + 1];
    if (n === undefined) throw new Error('unterminated string literal');
    if (raw) {
      out += c + n;
      j += 2;
      continue;
    }
    if (n === '\n') {
      j += 2;
    } else if (n in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[n];
      j += 2;
    } else if (/[0-7]/.test(n)) {
      const oct = /^[0-7]{1,3}/.exec(src.slice(j + 1))![0];
      out += String.fromCharCode(parseInt(oct, 8) & (isBytes ? 0xff : 0x1ff));
      j += 1 + oct.length;
    } else if (n === 'x') {
      const h = src.slice(j + 2, j + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error('truncated \\xXX escape');
      out += String.fromCharCode(parseInt(h, 16));
      j += 4;
    } else if (!isBytes && (n === 'u' || n === 'U')) {
      const len = n === 'u' ? 4 : 8;
      const h = src.slice(j + 2, j + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new Error(`truncated \\${n} escape`);
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) throw new Error('illegal Unicode character');
      out += String.fromCodePoint(cp);
      j += 2 + len;
    } else if (!isBytes && n === 'N') {
      throw new Error('\\N{...} escapes are not supported in paths');
    } else {
      out += c + n; // Python keeps unknown escapes verbatim
      j += 2;
    }
  }
  if (!isBytes) return { v: out, end: j };
  const b = new Uint8Array(out.length);
  for (let k = 0; k < out.length; k++) {
    b[k] = out.charCodeAt(k) & 0xff;
  }
  return { v: b, end: j };
}

const OPERATOR = /^(\*\*|\/\/|<<|>>|<=|>=|==|!=|[-+*/%<>(),;~])/;

function tokenize(src: string): Tok[] {
  if (src.includes('\0')) throw new Error('source code string cannot contain null bytes');
  const toks: Tok[] = [];
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\' && /^\\(\r\n|\n|\r)/.test(src.slice(i, i + 3))) {
      // an explicit line continuation
      i += src[i + 1] === '\r' && src[i + 2] === '\n' ? 3 : 2;
      continue;
    }
    if (c === '\n' || c === '\r') {
      // Python parses the text as a module: a newline outside brackets ends a statement.
      i++;
      if (depth === 0) {
        toks.push({ t: 'op', v: 'nl' });
        // A statement may not start indented (Python: "unexpected indent"); blank lines may.
        const rest = /^[ \t\f]+([^ \t\f\r\n]?)/.exec(src.slice(i));
        if (rest && rest[1] !== '') throw new Error('unexpected indent');
      }
      continue;
    }
    const op = OPERATOR.exec(src.slice(i, i + 2));
    if (op) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      toks.push({ t: 'op', v: op[0] });
      i += op[0].length;
      continue;
    }
    if (/[rRuUbB]/.test(c) && /^[rRuUbB]{1,2}['"]/.test(src.slice(i, i + 3))) {
      const { v, end } = stringToken(src, i);
      toks.push({ t: 'str', v });
      i = end;
      continue;
    }
    if (c === "'" || c === '"') {
      const { v, end } = stringToken(src, i);
      toks.push({ t: 'str', v });
      i = end;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      const m = NUMBER.exec(src.slice(i));
      if (!m || m[0] === '.') throw new Error(`invalid syntax at ${JSON.stringify(src.slice(i))}`);
      if (/^[\p{XID_Continue}]/u.test(src.slice(i + m[0].length))) throw new Error('invalid decimal literal');
      toks.push({ t: 'num', v: numberToken(m[0]) });
      i += m[0].length;
      continue;
    }
    const name = /^[\p{XID_Start}_][\p{XID_Continue}]*/u.exec(src.slice(i));
    if (name) {
      toks.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    throw new Error(`unsupported syntax at ${JSON.stringify(src.slice(i))}`);
  }
  return toks;
}

/** Python's expression grammar, down to what simpleeval can evaluate; builds an Expr tree. */
class ExprParser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private isOp(v: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  private isName(v: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return t !== undefined && t.t === 'name' && t.v === v;
  }

  /** test (',' test)* [','] — a tuple as soon as one comma appears. */
  tuple(): Expr {
    const first = this.test();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.i >= this.toks.length || this.isOp(')')) break;
      items.push(this.test());
    }
    return { k: 'tuple', items };
  }

  private test(): Expr {
    const a = this.orTest();
    if (!this.isName('if')) return a;
    this.i++;
    const c = this.orTest();
    if (!this.isName('else')) throw new Error('invalid syntax: expected "else"');
    this.i++;
    return { k: 'if', c, a, b: this.test() };
  }

  private orTest(): Expr {
    const items = [this.andTest()];
    while (this.isName('or')) (this.i++, items.push(this.andTest()));
    return items.length === 1 ? items[0]! : { k: 'or', items };
  }

  private andTest(): Expr {
    const items = [this.notTest()];
    while (this.isName('and')) (this.i++, items.push(this.notTest()));
    return items.length === 1 ? items[0]! : { k: 'and', items };
  }

  private notTest(): Expr {
    if (!this.isName('not')) return this.comparison();
    this.i++;
    return { k: 'un', op: 'not', a: this.notTest() };
  }

  private comparison(): Expr {
    const items = [this.binary(0)];
    const ops: string[] = [];
    for (;;) {
      let op: string | undefined;
      for (const c of ['<', '>', '==', '>=', '<=', '!=']) if (this.isOp(c)) op = c;
      if (op) this.i++;
      else if (this.isName('in')) (op = 'in'), this.i++;
      else if (this.isName('not') && this.isName('in', 1)) (op = 'not in'), (this.i += 2);
      else if (this.isName('is')) {
        this.i++;
        op = 'is';
        if (this.isName('not')) (op = 'is not'), this.i++;
      } else break;
      ops.push(op);
      items.push(this.binary(0));
    }
    return ops.length ? { k: 'cmp', ops, items } : items[0]!;
  }

  private static readonly LEVELS = [['<<', '>>'], ['+', '-'], ['*', '/', '//', '%']];

  /** shift_expr / arith_expr / term: left-associative binary levels. */
  private binary(level: number): Expr {
    if (level === ExprParser.LEVELS.length) return this.factor();
    let a = this.binary(level + 1);
    for (;;) {
      const op = ExprParser.LEVELS[level]!.find((o) => this.isOp(o));
      if (!op) return a;
      this.i++;
      a = { k: 'bin', op, a, b: this.binary(level + 1) };
    }
  }

  private factor(): Expr {
    for (const op of ['-', '+', '~']) {
      if (this.isOp(op)) {
        this.i++;
        return { k: 'un', op, a: this.factor() };
      }
    }
    const a = this.atom();
    if (!this.isOp('**')) return a;
    this.i++;
    return { k: 'bin', op: '**', a, b: this.factor() };
  }

  private atom(): Expr {
    const t = this.toks[this.i++];
    if (t === undefined) throw new Error('unexpected end of expression');
    switch (t.t) {
      case 'num':
        return { k: 'lit', v: t.v };
      case 'str': {
        let v = t.v;
        while (this.toks[this.i]?.t === 'str') {
          const w = (this.toks[this.i++] as { v: string | Uint8Array }).v;
          if (typeof v === 'string' && typeof w === 'string') v += w;
          else if (v instanceof Uint8Array && w instanceof Uint8Array) v = Uint8Array.from([...v, ...w]);
          else throw new Error('cannot mix bytes and nonbytes literals');
        }
        return { k: 'lit', v };
      }
      case 'name':
        if (KEYWORDS.has(t.v)) throw new Error(`invalid syntax at ${JSON.stringify(t.v)}`);
        if (t.v === 'True') return { k: 'lit', v: true };
        if (t.v === 'False') return { k: 'lit', v: false };
        if (t.v === 'None') return { k: 'lit', v: null };
        return { k: 'name', v: t.v };
      case 'op':
        if (t.v !== '(') throw new Error(`invalid syntax at ${JSON.stringify(t.v)}`);
        if (this.isOp(')')) {
          this.i++;
          return { k: 'tuple', items: [] };
        }
        {
          const v = this.tuple();
          if (!this.isOp(')')) throw new Error('missing ")"');
          this.i++;
          return v;
        }
    }
  }

  end(): void {
    if (this.i !== this.toks.length) throw new Error('invalid syntax');
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'if', 'else', 'in', 'is', 'lambda', 'for', 'while', 'def', 'class', 'import', 'from', 'return', 'pass', 'del', 'global', 'with', 'as', 'try', 'except', 'finally', 'raise', 'yield', 'assert', 'break', 'continue', 'elif', 'nonlocal', 'async', 'await']);

/** Evaluates one `:<literal>` element; throws Error when Python would refuse it (or we do). */
export function evalPathLiteral(src: string): PathElement {
  const toks = tokenize(src.trim());
  // Statements: split at top-level newlines and semicolons. simpleeval parses them all (so each
  // must be valid) and evaluates only the first.
  const stmts: Tok[][] = [[]];
  const seps: string[] = [];
  for (const t of toks) {
    if (t.t === 'op' && (t.v === 'nl' || t.v === ';')) {
      stmts.push([]);
      seps.push(t.v);
    } else stmts[stmts.length - 1]!.push(t);
  }
  if (stmts[0]!.length === 0) throw new Error('empty expression');
  let value: PathElement = null;
  stmts.forEach((st, i) => {
    if (st.length === 0) {
      // blank lines and one trailing ';' are fine, an empty statement between ';' is not
      if (seps[i - 1] === ';' && i < stmts.length - 1 && seps[i] === ';') throw new Error('invalid syntax');
      return;
    }
    const p = new ExprParser(st);
    const e = p.tuple();
    p.end();
    if (i === 0) value = evaluate(e);
  });
  return value;
}
