// Serf matches tag filters (queries, `serf members -tag`) with Go's regexp package: RE2 syntax,
// linear time. We run them on JavaScript's RegExp, so a pattern is translated where the two
// spell the same thing differently, and REFUSED where JS would match something else or could
// backtrack exponentially — a refused pattern matches nothing, as an invalid one does in Go.
//
// Translated: (?P<name>…) → (?<name>…); \A, \z; \Q…\E literals; \a; \x{HHHH}; POSIX classes
// [[:alpha:]] etc.; \s/\S (Go: [\t\n\f\r ] only, JS: all Unicode spaces); a leading ']' in a class.
// Refused: backreferences \1-\9, lookaround (?= (?! (?<= (?<!, escapes Go does not know (JS
// would read \y as y), \p \P \C, inline flags other than a leading (?imsU-less) group, repeat
// counts over 1000, and nested quantifiers such as (a+)+ that make a backtracking engine blow up.
// Still different, and documented: (?i) uses JS case folding; '.' also excludes \r, \u2028, \u2029.

export type GoRegexp = { ok: true; source: string; flags: string } | { ok: false; reason: string };

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const GO_SPACE = '\\t\\n\\f\\r ';
/** Escapes with the same meaning in both (outside and inside classes). */
const SAME_ESCAPES = new Set('dDwWbBfnrtv0'.split(''));
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/;

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Translates a Go/RE2 pattern for `new RegExp(source, flags)`, or says why it cannot. */
export function translateGoRegexp(expr: string): GoRegexp {
  const no = (reason: string): GoRegexp => ({ ok: false, reason });
  let src = expr;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('U')) return no('ungreedy flag (?U)');
    flags = [...new Set(lead[1]!.split(''))].join('');
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return no('trailing backslash');
      i++;
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 1);
        const lit = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
        out += escapeLiteral(lit);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if (n === 'x') {
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(src.slice(i + 1));
        if (braced) {
          const cp = parseInt(braced[1]!, 16);
          if (cp > 0xffff) return no('\\x{…} beyond U+FFFF');
          out += `\\u${cp.toString(16).padStart(4, '0')}`;
          i += braced[0].length;
          continue;
        }
        if (!/^[0-9A-Fa-f]{2}/.test(src.slice(i + 1))) return no('bad \\x escape');
        out += '\\x';
        continue;
      }
      if (/[1-9]/.test(n)) return no('backreference (RE2 has none)');
      if (n === 'A' || n === 'z') {
        if (inClass) return no(`\\${n} in a class`);
        out += n === 'A' ? '(?<![\\s\\S])' : '(?![\\s\\S])';
        continue;
      }
      if (n === 'a') {
        out += '\\x07';
        continue;
      }
      if (n === 's') {
        out += inClass ? GO_SPACE : `[${GO_SPACE}]`;
        continue;
      }
      if (n === 'S') {
        if (inClass) return no('\\S inside a class');
        out += `[^${GO_SPACE}]`;
        continue;
      }
      if (SAME_ESCAPES.has(n)) {
        if (inClass && (n === 'b' || n === 'B')) return no(`\\${n} inside a class`);
        out += `\\${n}`;
        continue;
      }
      // Go: an escaped punctuation character is itself; an unknown letter/digit escape is an error.
      if (/[A-Za-z0-9]/.test(n)) return no(`escape \\${n} (unknown to RE2, or different in JS)`);
      out += /[\\^$.*+?()[\]{}|/-]/.test(n) ? `\\${n}` : n;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (!m || !POSIX[m[2]!]) return no('unknown POSIX class');
        if (m[1]) return no('negated POSIX class');
        out += POSIX[m[2]!];
        i += m[0].length - 1;
        continue;
      }
      if (c === '[') {
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += '[';
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      // Go: a ']' right after '[' or '[^' is a literal; in JS it would close an empty class.
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 2;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest)) return no('lookaround (RE2 has none)');
      if (rest.startsWith('<')) return no('named group (?<…>) without P (Go before 1.22 refuses it)');
      return no('inline flags inside the pattern');
    }
    if (c === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(src.slice(i));
      if (m && (Number(m[1]) > 1000 || (m[2] && Number(m[2]) > 1000))) return no('repeat count over 1000');
      if (!m) {
        // Go reads a '{' that does not start a repeat as a literal; so does JS without 'u'.
        out += '\\{';
        continue;
      }
    }
    out += c;
  }
  if (inClass) return no('missing ]');
  if (NESTED_QUANTIFIER.test(out)) return no('nested quantifier (exponential in a backtracking engine)');
  try {
    new RegExp(out, flags);
  } catch (e) {
    return no(e instanceof Error ? e.message : String(e));
  }
  return { ok: true, source: out, flags };
}

/**
 * Compiles a Go pattern for JS; throws Error (with the reason) when it cannot be done faithfully.
 * `anchored` is Go's fmt.Sprintf("^%s$", expr), ungrouped as there: "^a|b$" anchors each side once.
 */
export function compileGoRegexp(expr: string, anchored = false): RegExp {
  const t = translateGoRegexp(expr);
  if (!t.ok) throw new Error(`error parsing regexp: ${t.reason}: \`${expr}\``);
  return new RegExp(anchored ? `^${t.source}$` : t.source, t.flags);
}
