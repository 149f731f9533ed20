// Expected numbers come from hashicorp/serf/coordinate's Go tests, or are derived by hand from
// the Go formulas (worked in the comments).
import { strict as assert } from 'node:assert';
import {
  applyForce,
  type Coordinate,
  defaultCoordinateConfig,
  DimensionalityConflictError,
  distanceSeconds,
  durationSeconds,
  floatToDurationNanos,
  magnitude,
  newCoordinate,
  rawDistance,
  unitVectorAt,
} from '../../../gossip/serf/coordinate.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);
const closeVec = (a: number[], b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => close(x, b[i]!, tol));
};
const noRandom = () => {
  throw new Error('unexpected random draw');
};

describe('serf coordinate (Vivaldi geometry)', () => {
  it('a new coordinate sits at the origin with max error and minimum height', () => {
    const c = newCoordinate(defaultCoordinateConfig());
    assert.deepEqual(c, { vec: [0, 0, 0, 0, 0, 0, 0, 0], error: 1.5, adjustment: 0, height: 10e-6 });
  });

  it('applyForce moves along the unit vector and grows height (Go TestCoordinate_ApplyForce)', () => {
    const config = { ...defaultCoordinateConfig(), dimensionality: 3, heightMin: 0 };
    const origin = newCoordinate(config);
    const above = { ...newCoordinate(config), vec: [0, 0, 2.9] };
    let c = applyForce(config, origin, 5.3, above, noRandom);
    closeVec(c.vec, [0, 0, -5.3]);
    const right = { ...newCoordinate(config), vec: [3.4, 0, -5.3] };
    c = applyForce(config, c, 2.0, right, noRandom);
    closeVec(c.vec, [-2.0, 0, -5.3]);
    c = applyForce(config, origin, 1.0, origin, () => 0.75); // coincident: random direction
    close(distanceSeconds(origin, c), 1.0);

    const config2 = { ...config, heightMin: 10.0e-6 };
    const origin2 = newCoordinate(config2);
    c = applyForce(config2, origin2, 5.3, above, noRandom);
    closeVec(c.vec, [0, 0, -5.3]);
    close(c.height, config2.heightMin + (5.3 * config2.heightMin) / 2.9);
    c = applyForce(config2, origin2, -5.3, above, noRandom);
    closeVec(c.vec, [0, 0, 5.3]);
    close(c.height, config2.heightMin);
    assert.throws(() => applyForce(config2, c, 1, { ...c, vec: [0, 0, 0, 0] }, noRandom), DimensionalityConflictError);
  });

  it('distance adds heights and adjustments (Go TestCoordinate_DistanceTo)', () => {
    const config = { ...defaultCoordinateConfig(), dimensionality: 3, heightMin: 0 };
    const c1: Coordinate = { ...newCoordinate(config), vec: [-0.5, 1.3, 2.4] };
    const c2: Coordinate = { ...newCoordinate(config), vec: [1.2, -2.3, 3.4] };
    close(distanceSeconds(c1, c1), 0);
    close(distanceSeconds(c1, c2), 4.104875150354758);
    close(rawDistance(c1, c2), 4.104875150354758, 1e-15);
    c1.adjustment = -1.0e6; // would go negative: ignored
    close(distanceSeconds(c1, c2), 4.104875150354758);
    c1.adjustment = 0.1;
    c2.adjustment = 0.2;
    close(distanceSeconds(c1, c2), 4.104875150354758 + 0.3);
    c1.height = 0.7;
    c2.height = 0.1;
    close(distanceSeconds(c1, c2), 4.104875150354758 + 0.3 + 0.8);
  });

  it('vector helpers (Go TestCoordinate_magnitude / unitVectorAt)', () => {
    close(magnitude([1, -2, 3]), 3.7416573867739413, 1e-15);
    const [u, mag] = unitVectorAt([1, 2, 3], [0.5, 0.6, 0.7], noRandom);
    closeVec(u, [0.18257418583505536, 0.511207720338155, 0.8398412548412546], 1e-15);
    close(mag, magnitude([0.5, 1.4, 2.3]), 1e-15);
    const [u2, mag2] = unitVectorAt([1, 2, 3], [1, 2, 3], () => 0.9);
    close(magnitude(u2), 1.0);
    assert.equal(mag2, 0);
    // every random draw 0.5 gives a zero vector: falls back to the first axis
    assert.deepEqual(unitVectorAt([1, 2, 3], [1, 2, 3], () => 0.5), [[1, 0, 0], 0]);
  });

  it('goes through time.Duration exactly as Go does (truncation, Seconds())', () => {
    assert.equal(floatToDurationNanos(0.00102), 1020000);
    assert.equal(floatToDurationNanos(-1.9999999999), -1999999999);
    assert.equal(durationSeconds(1_500_000_001), 1.500000001);
    assert.equal(durationSeconds(-2_500_000_000), -2.5);
  });
});
