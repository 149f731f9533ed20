// Runs the shared transport contract against the real sockets and against the simulator, so
// the two cannot drift apart unnoticed.
import type { NodeRuntime } from '../../../gossip/runtime.js';
import { createRealRuntime, MemoryLogger, MAX_DATAGRAM_V4, type RealRuntime } from '../../../lib/runtime/index.js';
import { MAX_DATAGRAM } from '../../../sim/network.js';
import { Simulation } from '../../../sim/simulation.js';
import { failOnUnhandledRejections } from './no-unhandled.js';
import { transportContract } from './transport-contract.js';

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('transport contract', () => {
  failOnUnhandledRejections();

  transportContract('real sockets on 127.0.0.1', async () => {
    const logger = new MemoryLogger();
    const a: RealRuntime = await createRealRuntime({ logger });
    const b: RealRuntime = await createRealRuntime({ logger });
    const dead = await createRealRuntime({ logger });
    const deadAddr = dead.addr;
    await dead.close();
    return {
      a,
      b,
      deadAddr,
      maxDatagram: MAX_DATAGRAM_V4,
      async until(pred, what, maxMs = 5000) {
        const deadline = performance.now() + maxMs;
        while (!pred()) {
          if (performance.now() > deadline) throw new Error(`real world: no '${what}' within ${maxMs} ms`);
          await delay(2);
        }
      },
      pass: delay,
      async close() {
        await Promise.all([a.close(), b.close()]);
      },
    };
  });

  transportContract('simulator (default links)', async () => {
    const sim = new Simulation({ seed: 'transport-contract' });
    const rts = new Map<string, NodeRuntime>();
    for (const n of ['a', 'b']) await sim.addNode(n, (rt) => (rts.set(n, rt), { stop() {} }));
    const deadAddr = sim.define('dead', () => ({ stop() {} }));
    return {
      a: rts.get('a')!,
      b: rts.get('b')!,
      deadAddr,
      maxDatagram: MAX_DATAGRAM,
      async until(pred, what, maxMs = 5000) {
        await sim.runFor(maxMs, { stopWhen: pred });
        if (!pred()) throw new Error(`simulator: no '${what}' within ${maxMs} virtual ms`);
      },
      async pass(ms) {
        await sim.runFor(ms);
      },
      async close() {},
    };
  });
});
