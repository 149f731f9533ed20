// Our client library: mirror() (a live subtree: initial copy, changes, conditional writes,
// read-your-writes by tock), async-iterated streams, and no reconnect — kill -9 of a real server
// process with hundreds of calls and streams in flight: each settles exactly once, every one
// that had no answer rejects with ClientClosedError, the one fatal callback fires once, and the
// client stays closed.
import { strict as assert } from 'node:assert';
import { ClientClosedError, DistkvClient, ServerError } from '../../../lib/client/client.js';
import { listenTcp, MemoryLogger, RealClock } from '../../../lib/runtime/index.js';
import { DistkvServer } from '../../../lib/server.js';
import type { Value } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import { stopAllPeers, waitFor } from '../../interop/peers.js';
import { startOurServer } from '../../interop/distkv-server-helpers.js';

const P = (s: string): Path => Path.parse(s);

describe('client library', function () {
  this.timeout(60_000);

  describe('mirror', () => {
    let server: DistkvServer;
    let a: DistkvClient;
    let b: DistkvClient;
    before(async () => {
      const logger = new MemoryLogger();
      const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
      server = new DistkvServer({ name: 'm1', clock: new RealClock(), logger, clientTransport: transport, init: 'root' });
      await server.start();
      const port = transport.localAddr().port;
      a = await DistkvClient.connect({ port });
      b = await DistkvClient.connect({ port });
    });
    after(async () => {
      a.close();
      b.close();
      await server.stop();
    });

    it('copies the subtree, follows changes made by another client, and writes conditionally', async () => {
      await b.set(P('m.one'), 1);
      await b.set(P('m.two.deep'), 'x');
      await b.set(P('other'), 'not mirrored');
      const m = a.mirror(P('m'));
      await m.ready;
      assert.deepEqual(
        m.all().map((e) => [e.path.toString(), e.value]),
        [
          ['m.one', 1],
          ['m.two.deep', 'x'],
        ],
      );
      const seen: [string, Value | undefined][] = [];
      m.onChange((p, e) => seen.push([p.toString(), e?.value]));
      const r = await b.set(P('m.three'), 3);
      await m.waitTock(r.tock as number);
      assert.equal(m.value(P('m.three')), 3);
      const d = await b.delete(P('m.one'));
      await m.waitTock(d.tock as number);
      assert.equal(m.get(P('m.one')), undefined);
      assert.deepEqual(seen, [
        ['m.three', 3],
        ['m.one', undefined],
      ]);
      // a write against the mirror's version: fine; once another client changed it: DistKV's chain error
      const w = await m.set(P('m.three'), 4);
      await m.waitTock(w.tock as number);
      const held = m.get(P('m.three'))!;
      await b.set(P('m.three'), 5);
      // the version the mirror held is stale now: a write conditional on it gets DistKV's chain error
      await assert.rejects(a.set(P('m.three'), 'stale', { chain: held.chain }), /Chain mismatch at m\.three/);
      await m.close();
      assert.ok(m.error);
    });

    it('an async-iterated get_tree and a watch broken off early stop cleanly', async () => {
      const paths: string[] = [];
      for await (const e of a.getTree(P('m'))) paths.push((e.path as Path).toString());
      assert.ok(paths.includes('m.three'));
      const w = a.watch(P('m'), { fetch: true });
      for await (const e of w) if (e.state === 'uptodate') break;
      assert.equal((await a.get(P('m.three'))).value, 5, 'the connection is still usable');
    });
  });

  describe('no reconnect', () => {
    after(() => stopAllPeers());

    it('kill -9 of the server: every pending call and stream settles once, the unanswered ones with ClientClosedError; one fatal error', async () => {
      const srv = await startOurServer('dies', ['-I', 'x']);
      const fatal: Error[] = [];
      const c = await DistkvClient.connect({ port: srv.clientPort, onClosed: (e) => fatal.push(e) });
      await c.set(P('k'), 'v');
      const settled = new Map<number, string[]>();
      const note = (i: number, what: string): void => void settled.set(i, [...(settled.get(i) ?? []), what]);
      const calls: Promise<unknown>[] = [];
      const N = 400;
      for (let i = 0; i < N; i++) {
        const p = i % 4 === 0 ? (async () => { for await (const _ of c.watch(P('k'), { fetch: true })); })() : c.get(P('k'));
        calls.push(p.then(() => note(i, 'ok'), (e: unknown) => note(i, e instanceof ClientClosedError ? 'closed' : `other: ${String(e)}`)));
      }
      await srv.kill();
      await Promise.all(calls);
      assert.equal(settled.size, N);
      const outcomes = [...settled.values()];
      assert.ok(outcomes.every((o) => o.length === 1), 'each call settled exactly once');
      assert.deepEqual(outcomes.filter((o) => o[0]!.startsWith('other')), []);
      // the watches never end on their own: each of them was cut off
      for (let i = 0; i < N; i += 4) assert.deepEqual(settled.get(i), ['closed']);
      await waitFor(() => fatal.length > 0, 5000, 'the fatal error');
      assert.equal(fatal.length, 1);
      assert.ok(fatal[0] instanceof ClientClosedError);
      assert.equal(c.closed, true);
      await assert.rejects(c.get(P('k')), ClientClosedError);
      assert.equal(fatal.length, 1, 'later calls do not raise it again');
    });
  });
});
