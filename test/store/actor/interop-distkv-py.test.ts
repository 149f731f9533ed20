// Our actor and a real Python DistKV 0.57.4 server share one `:distkv.ping` rotation over a real
// Serf agent. A small Python bridge (asyncserf, as DistKV uses it) carries our messages: it
// prints every `:distkv.ping` user event as hex and sends the hex lines we write to it.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CryptoRandom } from '../../../lib/runtime/random.js';
import { RealClock } from '../../../lib/runtime/clock.js';
import { Actor } from '../../../store/actor/actor.js';
import type { ActorEvent } from '../../../store/actor/events.js';
import type { ActorMessage, PingMessage } from '../../../store/actor/messages.js';
import {
  distkvPyAvailable,
  distkvPyDir,
  serfAvailable,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  type DistkvPyServer,
} from '../../interop/peers.js';
import { packr } from './harness.js';

const BRIDGE = `
import sys, anyio, asyncserf
from anyio import to_thread
async def main(port):
    async with asyncserf.serf_client(host="127.0.0.1", port=port) as c:
        async def reader():
            async with c.stream("user:" + ":distkv.ping") as s:
                print("READY", flush=True)
                async for ev in s:
                    print("EV", ev.payload.hex(), flush=True)
        async with anyio.create_task_group() as tg:
            await tg.spawn(reader)
            while True:
                line = await to_thread.run_sync(sys.stdin.readline)
                if not line:
                    break
                await c.event(":distkv.ping", payload=bytes.fromhex(line.strip()), coalesce=False)
            await tg.cancel_scope.cancel()
anyio.run(main, int(sys.argv[1]), backend="trio")
`;

describe('store/actor interop: one rotation with a Python DistKV server (real serf, ~25 s)', function () {
  this.timeout(90_000);
  let bridge: ChildProcessWithoutNullStreams | undefined;
  let actor: Actor | undefined;
  let py: DistkvPyServer | undefined;

  before(function () {
    if (!serfAvailable() || !distkvPyAvailable()) {
      console.warn('SKIPPED store/actor interop: needs /usr/bin/serf and the Python DistKV peer (scripts/setup-peers.sh)');
      this.skip();
    }
  });

  after(async () => {
    actor?.stop();
    if (bridge && bridge.exitCode === null) bridge.kill('SIGKILL');
    await stopAllPeers();
  });

  it('takes turns with test1: each accepts the other into its history; we get tagged', async () => {
    const agent = await startSerfAgent({ node: 'a' });
    bridge = spawn(join(distkvPyDir(), 'bin/distkv-py-python'), ['-c', BRIDGE, String(agent.rpcPort)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    bridge.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const seen: { time: number; msg: ActorMessage }[] = [];
    let handler: (p: unknown) => void = () => {};
    let ready = false;
    const t0 = performance.now();
    createInterface({ input: bridge.stdout }).on('line', (line) => {
      if (line === 'READY') ready = true;
      if (!line.startsWith('EV ')) return;
      const payload = packr.unpack(Buffer.from(line.slice(3), 'hex'));
      seen.push({ time: (performance.now() - t0) / 1000, msg: payload as ActorMessage });
      handler(payload);
    });
    await waitFor(() => ready, 20_000, `asyncserf bridge ready (${stderr})`);

    py = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'hello', ping: { cycle: 3, gap: 1 } });
    const events: ActorEvent[] = [];
    actor = new Actor({
      name: 'ts1',
      clock: new RealClock(),
      random: new CryptoRandom(),
      config: { cycle: 3, gap: 1 },
      transport: {
        send: (msg) => bridge!.stdin.write(Buffer.from(packr.pack(msg)).toString('hex') + '\n'),
        onMessage: (h) => void (handler = h),
      },
    });
    actor.setValue([1, 0]); // a ready server that has written nothing yet
    actor.on((e) => events.push(e));
    actor.start();
    const pingsNow = () => seen.filter((s): s is { time: number; msg: PingMessage } => s.msg.t === 'ping');
    const byNow = (n: string) => pingsNow().filter((p) => p.msg.node === n);
    // Wait for both to ping (Python's server may start slowly on a loaded machine), then for
    // five more pings: about 20 s at cycle 3 + 0.875*gap.
    await waitFor(() => byNow('ts1').length > 0 && byNow('test1').length > 0, 60_000, 'both pinging');
    const settled = Math.max(byNow('ts1')[0]!.time, byNow('test1')[0]!.time) + 0.5;
    await waitFor(() => pingsNow().filter((p) => p.time > settled).length >= 6, 60_000, 'six pings in rotation');

    const pings = pingsNow();
    const by = (n: string) => pings.filter((p) => p.msg.node === n);
    assert.ok(by('ts1').length >= 3, `our pings: ${by('ts1').length}`);
    assert.ok(by('test1').length >= 3, `Python pings: ${by('test1').length}`);
    assert.ok(by('test1').some((p) => p.msg.history.includes('ts1')), 'Python put us on its chain');
    assert.ok(by('ts1').some((p) => p.msg.history.includes('test1')), 'we put Python on our chain');
    // Steady state: strict alternation, each ping following the other's.
    // Startup may collide once or twice; the last four pings must be the steady rotation.
    const late = pings.filter((p) => p.time > settled).slice(-4);
    for (let i = 1; i < late.length; i++) {
      assert.notEqual(late[i]!.msg.node, late[i - 1]!.msg.node, `${late[i]!.msg.node} twice at ${late[i]!.time.toFixed(2)}`);
      assert.equal(late[i]!.msg.history[1], late[i - 1]!.msg.node);
    }
    assert.ok(events.some((e) => e.type === 'tag'), 'we were "it" at least once');
    assert.ok(!events.some((e) => e.type === 'error'));
    assert.ok(!/Traceback/.test(py.logs()), py.logs().slice(-3000));
    console.log(`      rotation: ${pings.map((p) => `${p.time.toFixed(1)}s ${p.msg.node}[${p.msg.history.join(',')}]`).join('  ')}`);
  });
});
