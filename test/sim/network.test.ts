import { strict as assert } from 'node:assert';
import { probe, probes } from './helpers.js';

// Rates are checked over N datagrams against a binomial's 4σ band: p ± 4·sqrt(p(1-p)/N).
function within4Sigma(observed: number, p: number, n: number): boolean {
  return Math.abs(observed / n - p) <= 4 * Math.sqrt((p * (1 - p)) / n);
}

describe('sim/network (datagrams)', () => {
  it('delivers with the link latency, from the sender address, copying the bytes', async () => {
    const sim = await probes(2, { link: { latencyMs: 5, jitterMs: 0 } });
    const buf = Uint8Array.from([1, 2, 3]);
    probe(sim, 'n1').rt.packets.sendTo(sim.addrOf('n2'), buf);
    buf[0] = 99; // the sender reusing its buffer must not alter what is in flight
    await sim.runFor(100);
    const got = probe(sim, 'n2').got;
    assert.equal(got.length, 1);
    assert.equal(got[0]!.t, 5);
    assert.deepEqual(got[0]!.data, [1, 2, 3]);
    assert.deepEqual(got[0]!.from, sim.addrOf('n1'));
    assert.notDeepEqual(sim.addrOf('n1'), sim.addrOf('n2'));
  });

  it('loss 0.1 over 10 000 datagrams: observed rate within 0.1 ± 4σ (σ = 0.003)', async () => {
    const N = 10_000;
    const sim = await probes(2, { seed: 'loss', link: { loss: 0.1 } });
    for (let i = 0; i < N; i++) probe(sim, 'n1').send('n2', i & 255);
    await sim.runFor(1000);
    const lost = N - probe(sim, 'n2').got.length;
    assert.equal(sim.stats().dropped.loss, lost);
    assert.ok(within4Sigma(lost, 0.1, N), `lost ${lost} of ${N}`);
  });

  it('duplicate 0.05 over 10 000 datagrams: extra copies within 0.05 ± 4σ (σ ≈ 0.0022)', async () => {
    const N = 10_000;
    const sim = await probes(2, { seed: 'dup', link: { duplicate: 0.05 } });
    for (let i = 0; i < N; i++) probe(sim, 'n1').send('n2', i & 255);
    await sim.runFor(1000);
    const extra = probe(sim, 'n2').got.length - N;
    assert.equal(sim.stats().duplicated, extra);
    assert.ok(within4Sigma(extra, 0.05, N), `duplicated ${extra} of ${N}`);
  });

  it('reorder 0.1 over 10 000 datagrams sent 1 ms apart: arrivals out of order within 0.09 ± 4σ', async () => {
    const N = 10_000;
    // No jitter, so only held-back datagrams arrive late: those whose extra delay, uniform in
    // [0, 10) ms, exceeds the 1 ms spacing, i.e. p = 0.1 × 0.9 = 0.09.
    const sim = await probes(2, { seed: 'reorder', link: { latencyMs: 2, jitterMs: 0, reorder: 0.1, reorderDelayMs: 10 } });
    const a = probe(sim, 'n1');
    for (let i = 0; i < N; i++) sim.scheduler.at(i, () => a.send('n2', i >> 8, i & 255));
    await sim.run(N + 100);
    const seqs = probe(sim, 'n2').got.map((g) => g.data[0]! * 256 + g.data[1]!);
    assert.equal(seqs.length, N);
    let late = 0;
    let max = -1;
    for (const s of seqs) {
      if (s < max) late++;
      else max = s;
    }
    assert.ok(within4Sigma(late, 0.09, N), `out of order ${late} of ${N}`);
    assert.ok(within4Sigma(sim.stats().reordered, 0.1, N), `held back ${sim.stats().reordered}`);
    assert.ok(late <= sim.stats().reordered);
  });

  it('a two-way partition blocks both directions; heal restores them', async () => {
    const sim = await probes(3);
    const heal = sim.partition([['n1'], ['n2', 'n3']]);
    probe(sim, 'n1').send('n2', 1);
    probe(sim, 'n2').send('n1', 2);
    probe(sim, 'n3').send('n2', 3); // same side: unaffected
    await sim.runFor(50);
    assert.equal(probe(sim, 'n1').got.length, 0);
    assert.deepEqual(probe(sim, 'n2').got.map((g) => g.data), [[3]]);
    assert.equal(sim.stats().dropped.partition, 2);
    heal();
    probe(sim, 'n1').send('n2', 4);
    probe(sim, 'n2').send('n1', 5);
    await sim.runFor(50);
    assert.deepEqual(probe(sim, 'n1').got.map((g) => g.data), [[5]]);
    assert.deepEqual(probe(sim, 'n2').got.map((g) => g.data), [[3], [4]]);
  });

  it('a one-way partition blocks only from the first group; heal() lifts everything', async () => {
    const sim = await probes(2);
    sim.partition([['n1'], ['n2']], { oneWay: true });
    probe(sim, 'n1').send('n2', 1);
    probe(sim, 'n2').send('n1', 2);
    await sim.runFor(50);
    assert.equal(probe(sim, 'n2').got.length, 0);
    assert.deepEqual(probe(sim, 'n1').got.map((g) => g.data), [[2]]);
    sim.heal();
    probe(sim, 'n1').send('n2', 3);
    await sim.runFor(50);
    assert.deepEqual(probe(sim, 'n2').got.map((g) => g.data), [[3]]);
  });

  it('a partition raised while a datagram is in flight drops it', async () => {
    const sim = await probes(2, { link: { latencyMs: 10, jitterMs: 0 } });
    probe(sim, 'n1').send('n2', 1);
    await sim.runFor(5);
    sim.partition([['n1'], ['n2']]);
    await sim.runFor(50);
    assert.equal(probe(sim, 'n2').got.length, 0);
  });

  it('a crashed node receives nothing until restarted, then only what is sent to its new life', async () => {
    const sim = await probes(2, { link: { latencyMs: 10, jitterMs: 0 } });
    const old = probe(sim, 'n2');
    probe(sim, 'n1').send('n2', 1);
    sim.crash('n2');
    assert.equal(sim.node('n2'), undefined);
    probe(sim, 'n1').send('n2', 2);
    await sim.runFor(50);
    assert.equal(old.got.length, 0);
    assert.equal(sim.stats().dropped.down, 2);
    // Its sends are dead too.
    old.send('n1', 9);
    await sim.runFor(50);
    assert.equal(probe(sim, 'n1').got.length, 0);
    const fresh = await sim.start('n2');
    assert.notEqual(fresh, old);
    assert.equal(fresh.rt.life, 1);
    probe(sim, 'n1').send('n2', 3);
    await sim.runFor(50);
    assert.deepEqual(fresh.got.map((g) => g.data), [[3]]);
    assert.equal(old.got.length, 0);
  });

  it("a crash cancels the node's timers; a restart gets a fresh clock and random stream", async () => {
    const sim = await probes(1);
    const p = probe(sim, 'n1');
    let fired = 0;
    p.rt.clock.setTimer(10, () => fired++);
    const firstDraw = p.rt.random.next();
    sim.crash('n1');
    await sim.runFor(100);
    assert.equal(fired, 0);
    const q = await sim.start('n1');
    q.rt.clock.setTimer(10, () => fired++);
    await sim.runFor(100);
    assert.equal(fired, 1);
    assert.notEqual(q.rt.random.next(), firstDraw);
  });

  it('pause delays deliveries and timers to the resume time; expired timers run before held I/O', async () => {
    const sim = await probes(2, { link: { latencyMs: 5, jitterMs: 0 } });
    const b = probe(sim, 'n2');
    const timerAt: number[] = [];
    b.rt.clock.setTimer(20, () => timerAt.push(sim.now(), b.got.length));
    sim.pause('n2', 100);
    probe(sim, 'n1').send('n2', 1);
    probe(sim, 'n1').send('n2', 2);
    await sim.runFor(99);
    assert.equal(b.got.length, 0);
    assert.deepEqual(timerAt, []);
    await sim.runFor(10);
    assert.deepEqual(b.got.map((g) => [g.t, g.data[0]]), [[100, 1], [100, 2]]);
    // The timer fell due after the datagrams arrived, yet runs first, as in Node's event loop.
    assert.deepEqual(timerAt, [100, 0]);
  });

  it('unknown addresses and oversize datagrams are dropped and counted', async () => {
    const sim = await probes(1);
    const p = probe(sim, 'n1');
    p.rt.packets.sendTo({ host: '10.9.9.9', port: 1 }, Uint8Array.of(1));
    p.rt.packets.sendTo(sim.addrOf('n1'), new Uint8Array(70_000));
    await sim.runFor(10);
    assert.equal(sim.stats().dropped['no-route'], 1);
    assert.equal(sim.stats().dropped['too-big'], 1);
  });
});
