import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseGoDuration } from '../../../lib/agent/go-duration.js';

describe('Go durations (config files)', () => {
  it('parses what time.ParseDuration parses', () => {
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('30s'), 30_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('.5m'), 30_000);
    assert.equal(parseGoDuration('300ms'), 300);
    assert.equal(parseGoDuration('1m5s'), 65_000);
    assert.equal(parseGoDuration('1500us'), 1.5);
    assert.equal(parseGoDuration('2µs'), 0.002);
    assert.equal(parseGoDuration('-2h'), -7_200_000);
    assert.equal(parseGoDuration('24h'), 86_400_000);
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['', '30', '1.5', 's', '1d', '1 s', '1h 30m', '--1s', 'abc', '1s ']) {
      assert.throws(() => parseGoDuration(bad), /time: (invalid duration|missing unit)/, bad);
    }
  });

  it('round-trips any h/m/s/ms combination', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        const text = `${h}h${m}m${s}s${ms}ms`;
        assert.equal(parseGoDuration(text), ((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
    );
  });
});
