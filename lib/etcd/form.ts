// Go's net/url query parsing and strconv parsing as etcd's v2 handler sees them: `url.ParseQuery`
// (first error kept, parsing goes on), `strconv.ParseBool`, `strconv.ParseUint(s, 10, 64)`.
// etcd reads `r.Form`: the url-encoded body's values first, then the query's.

export type Form = Map<string, string[]>;

/** Go `url.ParseQuery`: every pair is parsed; the first error is reported after. */
export function parseQuery(q: string, into: Form = new Map()): { form: Form; error?: string } {
  let error: string | undefined;
  for (const part of q.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      error ??= 'invalid semicolon separator in query';
      continue;
    }
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawVal = eq < 0 ? '' : part.slice(eq + 1);
    const k = queryUnescape(rawKey);
    if (typeof k !== 'string') {
      error ??= k.error;
      continue;
    }
    const v = queryUnescape(rawVal);
    if (typeof v !== 'string') {
      error ??= v.error;
      continue;
    }
    const list = into.get(k);
    if (list) list.push(v);
    else into.set(k, [v]);
  }
  return { form: into, error };
}

const HEX = /^[0-9a-fA-F]{2}$/;

/** Go `url.QueryUnescape`: '+' is a space, %XX a byte; bytes are read as UTF-8 (invalid kept as U+FFFD). */
export function queryUnescape(s: string, plusIsSpace = true): string | { error: string } {
  if (!s.includes('%') && (!plusIsSpace || !s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!HEX.test(h)) {
        const bad = s.slice(i, i + 3);
        return { error: `invalid URL escape "${bad}"` };
      }
      bytes.push(parseInt(h, 16));
      i += 3;
    } else if (c === '+' && plusIsSpace) {
      bytes.push(0x20);
      i++;
    } else {
      const cp = s.codePointAt(i)!;
      const enc = Buffer.from(String.fromCodePoint(cp), 'utf8');
      for (const b of enc) bytes.push(b);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go `url.PathUnescape` (a request path as net/http decodes it): '+' stays, bad UTF-8 becomes U+FFFD. */
export function pathUnescape(s: string): string | { error: string } {
  return queryUnescape(s, false);
}

/** Go `strconv.ParseBool`. */
export function parseGoBool(s: string): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Go `strconv.ParseUint(s, 10, 64)`; exact up to 2^53, larger values saturate (no etcd index gets there). */
export function parseGoUint(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  if (s.length > 15) {
    const b = BigInt(s);
    if (b > UINT64_MAX) return undefined;
    return Number(b);
  }
  return Number(s);
}

/** etcd `getBool`: false when absent, the first value parsed otherwise; undefined = bad. */
export function formBool(form: Form, key: string): boolean | undefined {
  const v = form.get(key);
  return v ? parseGoBool(v[0]!) : false;
}

/** etcd `getUint64`: 0 when absent, the first value parsed otherwise; undefined = bad. */
export function formUint(form: Form, key: string): number | undefined {
  const v = form.get(key);
  return v ? parseGoUint(v[0]!) : 0;
}

/** Go `r.FormValue`: the first value or "". */
export function formValue(form: Form, key: string): string {
  return form.get(key)?.[0] ?? '';
}
