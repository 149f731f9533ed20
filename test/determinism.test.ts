// Protocol code reaches time, randomness and sockets only through the seams (gossip/runtime.ts);
// otherwise the simulator could not replay a run byte for byte.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/(?<![\w.])setTimeout\s*\(/, 'setTimeout'],
  [/(?<![\w.])setInterval\s*\(/, 'setInterval'],
  [/(?<![\w.])setImmediate\s*\(/, 'setImmediate'],
  [/\bprocess\.nextTick\s*\(/, 'process.nextTick'],
  [/\bMath\.random\s*\(/, 'Math.random'],
  [/\bperformance\.now\s*\(/, 'performance.now'],
  [/\bcrypto\.(randomBytes|randomInt|randomUUID|getRandomValues)\b/, 'crypto randomness'],
  [/from\s+['"](node:)?(dgram|net|fs|fs\/promises|http|https|child_process|timers)['"]/, 'a Node I/O module'],
  [/require\(\s*['"](node:)?(dgram|net|fs|http|child_process)['"]\s*\)/, 'a Node I/O module'],
];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

export function determinismViolations(dirs: string[]): string[] {
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const file of tsFiles(dir)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        for (const [re, what] of FORBIDDEN) if (re.test(code)) hits.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
  }
  return hits;
}

describe('determinism rule', () => {
  it('gossip/ and store/ use only the runtime seams', () => {
    assert.deepEqual(determinismViolations(['gossip', 'store']), []);
  });
  it('the check itself catches each forbidden call', () => {
    const samples = [
      'const t = Date.now();',
      'setTimeout(() => 1, 5);',
      'setInterval(f, 5);',
      'const r = Math.random();',
      "import dgram from 'node:dgram';",
      "import { createServer } from 'net';",
      "import { readFileSync } from 'fs';",
    ];
    for (const s of samples) assert.ok(FORBIDDEN.some(([re]) => re.test(s)), s);
    assert.ok(!FORBIDDEN.some(([re]) => re.test('clock.setTimer(5, f)')));
  });
});
