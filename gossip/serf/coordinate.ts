// Vivaldi network coordinates, numerically identical to hashicorp/serf/coordinate: same
// formulas, same order of floating-point operations, and the same float -> time.Duration
// truncation wherever the Go code goes through a Duration (it feeds back into the updates).

/** A point in the Vivaldi space plus Serf's height/adjustment terms; all in seconds. */
export interface Coordinate {
  vec: number[];
  error: number;
  adjustment: number;
  height: number;
}

export interface CoordinateConfig {
  dimensionality: number;
  vivaldiErrorMax: number;
  vivaldiCE: number;
  vivaldiCC: number;
  adjustmentWindowSize: number;
  heightMin: number;
  latencyFilterSize: number;
  gravityRho: number;
}

export function defaultCoordinateConfig(): CoordinateConfig {
  return {
    dimensionality: 8,
    vivaldiErrorMax: 1.5,
    vivaldiCE: 0.25,
    vivaldiCC: 0.25,
    adjustmentWindowSize: 20,
    heightMin: 10.0e-6,
    latencyFilterSize: 3,
    gravityRho: 150.0,
  };
}

const SECONDS_TO_NANOS = 1.0e9;
const ZERO_THRESHOLD = 1.0e-6;

export class DimensionalityConflictError extends Error {
  constructor() {
    super('coordinate dimensionality does not match');
    this.name = 'DimensionalityConflictError';
  }
}

export function newCoordinate(config: CoordinateConfig): Coordinate {
  return {
    vec: new Array<number>(config.dimensionality).fill(0),
    error: config.vivaldiErrorMax,
    adjustment: 0.0,
    height: config.heightMin,
  };
}

export function cloneCoordinate(c: Coordinate): Coordinate {
  return { vec: c.vec.slice(), error: c.error, adjustment: c.adjustment, height: c.height };
}

export function isValidCoordinate(c: Coordinate): boolean {
  return c.vec.every(Number.isFinite) && Number.isFinite(c.error) && Number.isFinite(c.adjustment) && Number.isFinite(c.height);
}

export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.vec.length === b.vec.length;
}

/** Go's int64(f) for a time.Duration: truncation toward zero, saturated at the int64 range. */
export function floatToDurationNanos(seconds: number): number {
  const ns = seconds * SECONDS_TO_NANOS;
  if (Number.isNaN(ns)) return -9223372036854775808;
  return Math.trunc(Math.max(-9.223372036854776e18, Math.min(9.223372036854776e18, ns)));
}

/** Go's Duration.Seconds(): whole seconds plus the remainder, each converted separately. */
export function durationSeconds(nanos: number): number {
  const sec = Math.trunc(nanos / SECONDS_TO_NANOS);
  const nsec = nanos - sec * SECONDS_TO_NANOS;
  return sec + nsec / 1e9;
}

function diff(a: number[], b: number[]): number[] {
  return a.map((x, i) => x - b[i]!);
}

function add(a: number[], b: number[]): number[] {
  return a.map((x, i) => x + b[i]!);
}

function mul(v: number[], f: number): number[] {
  return v.map((x) => x * f);
}

export function magnitude(v: number[]): number {
  let sum = 0.0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

/**
 * Unit vector from b to a and the distance; when the points coincide, a random direction
 * (from `rand`, uniform in [0,1)) and distance 0, as Go does with math/rand.
 */
export function unitVectorAt(a: number[], b: number[], rand: () => number): [number[], number] {
  let ret = diff(a, b);
  const mag = magnitude(ret);
  if (mag > ZERO_THRESHOLD) return [mul(ret, 1.0 / mag), mag];
  ret = ret.map(() => rand() - 0.5);
  const mag2 = magnitude(ret);
  if (mag2 > ZERO_THRESHOLD) return [mul(ret, 1.0 / mag2), 0.0];
  ret = new Array<number>(ret.length).fill(0);
  ret[0] = 1.0;
  return [ret, 0.0];
}

/** Moves `c` by `force` seconds along the direction away from `other` (negative: towards). */
export function applyForce(
  config: CoordinateConfig,
  c: Coordinate,
  force: number,
  other: Coordinate,
  rand: () => number,
): Coordinate {
  if (!isCompatible(c, other)) throw new DimensionalityConflictError();
  const ret = cloneCoordinate(c);
  const [unit, mag] = unitVectorAt(c.vec, other.vec, rand);
  ret.vec = add(ret.vec, mul(unit, force));
  if (mag > ZERO_THRESHOLD) {
    ret.height = ((ret.height + other.height) * force) / mag + ret.height;
    ret.height = Math.max(ret.height, config.heightMin);
  }
  return ret;
}

/** Euclidean distance plus both heights, in seconds, ignoring adjustments. */
export function rawDistance(a: Coordinate, b: Coordinate): number {
  return magnitude(diff(a.vec, b.vec)) + a.height + b.height;
}

/** Estimated RTT in nanoseconds as Go's DistanceTo returns it (a truncated time.Duration). */
export function distanceNanos(a: Coordinate, b: Coordinate): number {
  if (!isCompatible(a, b)) throw new DimensionalityConflictError();
  let dist = rawDistance(a, b);
  const adjusted = dist + a.adjustment + b.adjustment;
  if (adjusted > 0.0) dist = adjusted;
  return floatToDurationNanos(dist);
}

/** DistanceTo(...).Seconds() in Go. */
export function distanceSeconds(a: Coordinate, b: Coordinate): number {
  return durationSeconds(distanceNanos(a, b));
}
