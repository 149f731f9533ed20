// Go's time.ParseDuration, which Serf's config files use for their *_interval/*_timeout keys:
// an optional sign, then one or more "<decimal><unit>" parts ("1h30m", "1.5s", "300ms"), or "0".
// Returns milliseconds (fractions kept: "1500us" is 1.5).

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export class DurationError extends Error {
  override name = 'DurationError';
}

export function parseGoDuration(text: string): number {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new DurationError(`time: invalid duration "${text}"`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m) {
      // Go distinguishes a number without unit from garbage; both are errors.
      const msg = /^\d+\.?\d*$/.test(s.slice(at)) ? `time: missing unit in duration "${text}"` : `time: invalid duration "${text}"`;
      throw new DurationError(msg);
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return sign * total;
}
