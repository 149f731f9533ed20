// Latency histograms: observations land in the first bucket whose bound they do not exceed,
// buckets render cumulative with `le`, then `_sum` (seconds) and `_count`; a server times each
// command it answers (not the streams a client stopped).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CommandTimers, Histogram, LATENCY_BUCKETS_S } from '../../../lib/metrics/histogram.js';
import { renderMetrics } from '../../../lib/metrics/exposition.js';
import { DistkvClient } from '../../../lib/client/client.js';
import { listenTcp, MemoryLogger, RealClock } from '../../../lib/runtime/index.js';
import { DistkvServer } from '../../../lib/server.js';
import { Path } from '../../../store/path.js';

describe('lib/metrics: latency histograms', () => {
  it('renders cumulative buckets, sum in seconds, count', () => {
    const t = new CommandTimers();
    t.observe('get_value', 0.05); // 50 µs: first bucket
    t.observe('get_value', 0.1); // exactly on the 100 µs bound: still the first
    t.observe('get_value', 3); // 3 ms: le 0.005
    t.observe('get_value', 60_000); // past 10 s: +Inf only
    const text = renderMetrics([t.metric()]).split('\n');
    assert.equal(text[1], '# TYPE distkv_client_request_duration_seconds histogram');
    assert.equal(text[2], 'distkv_client_request_duration_seconds_bucket{command="get_value",le="0.0001"} 2');
    assert.ok(text.includes('distkv_client_request_duration_seconds_bucket{command="get_value",le="0.0025"} 2'));
    assert.ok(text.includes('distkv_client_request_duration_seconds_bucket{command="get_value",le="0.005"} 3'));
    assert.ok(text.includes('distkv_client_request_duration_seconds_bucket{command="get_value",le="10"} 3'));
    assert.ok(text.includes('distkv_client_request_duration_seconds_bucket{command="get_value",le="+Inf"} 4'));
    assert.ok(text.includes('distkv_client_request_duration_seconds_count{command="get_value"} 4'));
    const sum = text.find((l) => l.startsWith('distkv_client_request_duration_seconds_sum'))!;
    assert.ok(Math.abs(Number(sum.split(' ')[1]) - 60.00315) < 1e-9, sum);
  });

  it('buckets are cumulative and the +Inf bucket equals the count, for any observations', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true })), (obs) => {
        const h = new Histogram();
        for (const ms of obs) h.observeMs(ms);
        const s = h.samples();
        const buckets = s.filter((x) => x.suffix === '_bucket');
        assert.equal(buckets.length, LATENCY_BUCKETS_S.length + 1);
        for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);
        for (let i = 0; i < LATENCY_BUCKETS_S.length; i++)
          assert.equal(buckets[i]!.value, obs.filter((ms) => ms <= LATENCY_BUCKETS_S[i]! * 1000).length);
        assert.equal(buckets.at(-1)!.value, obs.length);
        assert.equal(s.find((x) => x.suffix === '_count')!.value, obs.length);
      }),
    );
  });

  it("a connection's timer: one arrival time per incoming chunk; ends stamped together when the replies are written", () => {
    const t = new CommandTimers();
    const c = t.connection();
    const a = c.start();
    assert.equal(c.start(), a, 'requests of one chunk arrived together');
    c.end('get_value', a);
    c.end('set_value', a);
    assert.equal(t.histogram('get_value'), undefined, 'not before the write');
    c.written();
    assert.equal(t.histogram('get_value')?.count, 1);
    assert.equal(t.histogram('set_value')?.count, 1);
    c.written();
    assert.equal(t.histogram('get_value')?.count, 1, 'each end is stamped once');
    c.chunkDone();
    const spin = performance.now();
    while (performance.now() === spin);
    assert.ok(c.start() > a, 'the next chunk reads the clock again');
  });

  describe('a server times its commands', function () {
    this.timeout(20_000);
    let server: DistkvServer | undefined;
    let client: DistkvClient | undefined;
    after(async () => {
      client?.close();
      await server?.stop();
    });
    it('set_value, get_value and a finished get_tree counted; a stopped watch not', async () => {
      const logger = new MemoryLogger('warn');
      const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
      server = new DistkvServer({ name: 't1', clock: new RealClock(), logger, clientTransport: transport, init: 'x' });
      await server.start();
      client = await DistkvClient.connect({ port: transport.localAddr().port, timeoutMs: 10_000 });
      await client.set(Path.parse('a.b'), 1);
      await client.set(Path.parse('a.c'), 2);
      await client.get(Path.parse('a.b'));
      for await (const _ of client.stream('get_tree', { path: Path.parse('a') })) void _;
      const w = client.stream('watch', { path: Path.parse('a'), fetch: true });
      const it = w[Symbol.asyncIterator]();
      await it.next();
      await it.return?.();
      await client.get(Path.parse('a.c')); // the stop has been read by now
      const t = server.timers!;
      assert.equal(t.histogram('set_value')?.count, 2);
      assert.equal(t.histogram('get_value')?.count, 2);
      assert.equal(t.histogram('get_tree')?.count, 1);
      assert.equal(t.histogram('watch'), undefined);
    });
  });
});
