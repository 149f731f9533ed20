import { strict as assert } from 'node:assert';
import { makeConfig } from '../../../store/actor/messages.js';
import {
  nextPingFactor,
  pingDelay,
  positionDelaySeconds,
  startupDelay,
  tagStageSeconds,
  type ChainView,
} from '../../../store/actor/timing.js';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);
const cfg = makeConfig({ cycle: 10, gap: 2 });
const fixed = (...xs: number[]) => {
  const q = [...xs];
  return () => {
    const x = q.shift();
    if (x === undefined) throw new Error('unexpected random draw');
    return x;
  };
};

function view(self: string, history: string[], valued: string[], extra: Partial<ChainView> = {}): ChainView {
  return {
    self,
    history,
    hasValue: (n) => valued.includes(n),
    ready: false,
    nodes: 5,
    knownNodes: valued.length,
    n_hosts: 10,
    force_in: 0,
    ...extra,
  };
}

describe('store/actor/timing', () => {
  it('startup waits cycle + gap*(1.5..2): 13..14 s for DistKV\'s server actor', () => {
    near(startupDelay(cfg, 0), 13);
    near(startupDelay(cfg, 0.999999), 13.999999);
  });

  it('the tag sequence adds up to cycle + 2*gap', () => {
    near(tagStageSeconds(cfg, 1), 2);
    near(tagStageSeconds(cfg, 2), 9);
    near(tagStageSeconds(cfg, 3), 3);
    near(tagStageSeconds(cfg, 1) + tagStageSeconds(cfg, 2) + tagStageSeconds(cfg, 3), 14);
  });

  it('recovery delay by position: 0, gap/2, 3gap/4, ...', () => {
    [0, 1, 1.5, 1.75].forEach((d, p) => near(positionDelaySeconds(2, p), d));
  });

  it('empty history: 1.9 - r/5', () => {
    const c = { countNotOn: 0 };
    near(nextPingFactor(view('a', [], []), fixed(0.5), c), 1.8);
  });

  it('we sent the last ping: 2 (a lone node pings every cycle + 2*gap)', () => {
    near(nextPingFactor(view('a', ['a'], ['a']), fixed(), { countNotOn: 0 }), 2);
  });

  it('on the chain: the oldest member goes first (0.875), younger ones later', () => {
    const c = { countNotOn: 0 };
    near(nextPingFactor(view('b', ['a', 'b'], ['a', 'b']), fixed(), c), 0.875);
    near(nextPingFactor(view('c', ['a', 'b', 'c'], ['a', 'b', 'c']), fixed(), c), 0.875);
    near(nextPingFactor(view('b', ['a', 'b', 'c'], ['a', 'b', 'c']), fixed(), c), 0.9375);
    // Five entries with nodes=5: the scan stops at lv=6.
    near(nextPingFactor(view('e', ['a', 'b', 'c', 'd', 'e'], ['a']), fixed(), c), 0.875);
    near(nextPingFactor(view('b', ['a', 'b', 'c', 'd', 'e'], ['a']), fixed(), c), 1 - 1 / 32 / 2);
  });

  it('not ready and the first valued node in the back half: 2 + r/3', () => {
    // history [x(null), y(valued)] for us off-chain: p=2 > lv//2=1.
    near(nextPingFactor(view('me', ['x', 'y'], ['y']), fixed(0.3), { countNotOn: 0 }), 2.1);
    // ready nodes skip that rule and fall to ping_delay (off chain: early/late draw).
    near(nextPingFactor(view('me', ['x', 'y'], ['y'], { ready: true }), fixed(0.9, 0.5), { countNotOn: 0 }), 1.75);
  });

  it('off the chain: early with probability 1/(todo*total), else 1.5 + r/2', () => {
    const c = { countNotOn: 0 };
    // todo = 5-1 = 4, total = 10: threshold 0.025.
    near(pingDelay(-1, 2, 4, 10, 0, fixed(0.02, 0.6), c), 0.2);
    near(pingDelay(-1, 2, 4, 10, 0, fixed(0.03, 0.6), c), 1.8);
    near(c.countNotOn, 0);
    // A full chain: threshold 1/total^2 and the off-chain counter grows.
    near(pingDelay(-1, 6, 0, 10, 0, fixed(0.5, 0.2), c), 1.6);
    near(c.countNotOn, 1);
  });

  it('force_in pushes off-chain nodes in harder', () => {
    near(pingDelay(-1, 3, 0, 3, 1, fixed(0.8), { countNotOn: 3 }), 0.2);
    near(pingDelay(-1, 3, 0, 3, 1, fixed(0.9, 0.4), { countNotOn: 1 }), 0.7);
    near(pingDelay(-1, 3, 0, 3, 1, fixed(0.1, 0.4), { countNotOn: 2 }), 0.2);
  });
});
