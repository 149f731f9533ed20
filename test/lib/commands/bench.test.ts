import { strict as assert } from 'node:assert';
import { benchStore, run } from '../../../lib/commands/bench.js';

describe('lib/commands/bench', () => {
  it('benchStore measures the store against a Map in the same run', () => {
    const r = benchStore({ keys: 10_000 });
    assert.equal(r.keys, 10_000);
    assert.equal(r.chainLinks, 3);
    assert.ok(r.stringBytesPerKey > 64, `string bytes ${r.stringBytesPerKey}`);
    assert.ok(r.mapOverhead > 0 && r.storeOverhead > r.mapOverhead, `${r.storeOverhead} vs ${r.mapOverhead}`);
    assert.ok(r.storeOverhead < 800, `store overhead ${r.storeOverhead} B/key`); // goal 400 at 1M keys (bench/store.bench.ts)
    assert.ok(r.remoteOpsPerS > 0 && r.localOpsPerS > 0);
  });

  it('`bench store` ends with the one-line summary; bad usage exits 2', async () => {
    const lines: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    let rc: number;
    try {
      rc = await run(['store', '--keys', '2000']);
    } finally {
      process.stdout.write = orig;
    }
    assert.equal(rc, 0);
    assert.match(lines.join('').trim().split('\n').at(-1)!, /^bytes-per-key \d+ apply-ops-per-s \d+$/);
    const errs = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.equal(await run(['store', '--keys', 'x']), 2);
      assert.equal(await run([]), 2);
    } finally {
      process.stderr.write = errs;
    }
  });
});
