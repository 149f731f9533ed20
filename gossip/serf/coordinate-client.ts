// The local node's Vivaldi state, updated from each ping RTT: a per-peer median latency
// filter, the Vivaldi spring step, the adjustment window and gravity towards the origin.
// Mirrors hashicorp/serf/coordinate.Client step for step so coordinates agree with Go's.
import type { Random } from '../runtime.js';
import {
  applyForce,
  cloneCoordinate,
  type Coordinate,
  type CoordinateConfig,
  defaultCoordinateConfig,
  distanceSeconds,
  durationSeconds,
  isCompatible,
  isValidCoordinate,
  newCoordinate,
  rawDistance,
} from './coordinate.js';

/** Largest RTT Go accepts (10 s), in nanoseconds. */
const MAX_RTT_NANOS = 10 * 1e9;
const ZERO_THRESHOLD = 1.0e-6;

export class CoordinateRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoordinateRejected';
  }
}

export class CoordinateClient {
  private coord: Coordinate;
  private readonly origin: Coordinate;
  private adjustmentIndex = 0;
  private readonly adjustmentSamples: number[];
  private readonly latencySamples = new Map<string, number[]>();
  /** Times the coordinate went invalid (NaN/Inf) and was reset. */
  resets = 0;

  constructor(
    private readonly random: Pick<Random, 'next'>,
    readonly config: CoordinateConfig = defaultCoordinateConfig(),
  ) {
    if (!(config.dimensionality > 0)) throw new RangeError('dimensionality must be >0');
    this.coord = newCoordinate(config);
    this.origin = newCoordinate(config);
    this.adjustmentSamples = new Array<number>(config.adjustmentWindowSize).fill(0);
  }

  getCoordinate(): Coordinate {
    return cloneCoordinate(this.coord);
  }

  setCoordinate(c: Coordinate): void {
    this.check(c);
    this.coord = cloneCoordinate(c);
  }

  forgetNode(node: string): void {
    this.latencySamples.delete(node);
  }

  distanceTo(other: Coordinate): number {
    return distanceSeconds(this.coord, other);
  }

  /**
   * Feeds one RTT observation (nanoseconds, an integer as Go's time.Duration) to `node` whose
   * coordinate is `other`; returns the new local coordinate. Throws CoordinateRejected on
   * incompatible/invalid coordinates or an RTT outside [0, 10 s].
   */
  update(node: string, other: Coordinate, rttNanos: number): Coordinate {
    this.check(other);
    if (!(rttNanos >= 0 && rttNanos <= MAX_RTT_NANOS)) {
      throw new CoordinateRejected(`round trip time not in valid range: ${rttNanos} ns`);
    }
    const rtt = this.latencyFilter(node, durationSeconds(Math.trunc(rttNanos)));
    this.updateVivaldi(other, rtt);
    this.updateAdjustment(other, rtt);
    this.updateGravity();
    if (!isValidCoordinate(this.coord)) {
      this.resets++;
      this.coord = newCoordinate(this.config);
    }
    return cloneCoordinate(this.coord);
  }

  private check(c: Coordinate): void {
    if (!isCompatible(this.coord, c)) throw new CoordinateRejected("dimensions aren't compatible");
    if (!isValidCoordinate(c)) throw new CoordinateRejected('coordinate is invalid');
  }

  /** Median of the last LatencyFilterSize samples for this node (upper median when even). */
  private latencyFilter(node: string, rttSeconds: number): number {
    let samples = this.latencySamples.get(node) ?? [];
    samples = [...samples, rttSeconds];
    if (samples.length > this.config.latencyFilterSize) samples = samples.slice(1);
    this.latencySamples.set(node, samples);
    const sorted = samples.slice().sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  private updateVivaldi(other: Coordinate, rttSeconds: number): void {
    const dist = distanceSeconds(this.coord, other);
    if (rttSeconds < ZERO_THRESHOLD) rttSeconds = ZERO_THRESHOLD;
    const wrongness = Math.abs(dist - rttSeconds) / rttSeconds;

    let totalError = this.coord.error + other.error;
    if (totalError < ZERO_THRESHOLD) totalError = ZERO_THRESHOLD;
    const weight = this.coord.error / totalError;

    const ce = this.config.vivaldiCE;
    this.coord.error = ce * weight * wrongness + this.coord.error * (1.0 - ce * weight);
    if (this.coord.error > this.config.vivaldiErrorMax) this.coord.error = this.config.vivaldiErrorMax;

    const delta = this.config.vivaldiCC * weight;
    const force = delta * (rttSeconds - dist);
    this.coord = applyForce(this.config, this.coord, force, other, () => this.random.next());
  }

  private updateAdjustment(other: Coordinate, rttSeconds: number): void {
    const window = this.config.adjustmentWindowSize;
    if (window === 0) return;
    const dist = rawDistance(this.coord, other);
    this.adjustmentSamples[this.adjustmentIndex] = rttSeconds - dist;
    this.adjustmentIndex = (this.adjustmentIndex + 1) % window;
    let sum = 0.0;
    for (const s of this.adjustmentSamples) sum += s;
    this.coord.adjustment = sum / (2.0 * window);
  }

  private updateGravity(): void {
    const dist = distanceSeconds(this.origin, this.coord);
    const force = -1.0 * Math.pow(dist / this.config.gravityRho, 2.0);
    this.coord = applyForce(this.config, this.coord, force, this.origin, () => this.random.next());
  }
}
