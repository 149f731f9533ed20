// The replication pull over real TCP (lib/node/sync-connector.ts `getTicks` → the server's
// `get_ticks`, store/replication/pull.ts): a store that lacks a real server's ticks gets them all
// through the Puller in one session, values and chains intact.
import { strict as assert } from 'node:assert';
import { tcpSyncConnector } from '../../../lib/node/sync-connector.js';
import { createRealRuntime, listenTcp, MemoryLogger, type RealRuntime } from '../../../lib/runtime/index.js';
import { DistkvServer } from '../../../lib/server.js';
import { RangeSet } from '../../../store/range-set.js';
import { Puller } from '../../../store/replication/pull.js';
import { Store } from '../../../store/store.js';

const LO = '127.0.0.1';

describe('lib/node/sync-connector: the replication pull over TCP', function () {
  this.timeout(20_000);
  let rt: RealRuntime | undefined;
  let server: DistkvServer | undefined;

  after(async () => {
    await server?.stop();
    await rt?.close();
  });

  it('get_ticks streams every entry holding the asked ticks; the Puller applies them', async () => {
    rt = await createRealRuntime({ bind: { host: LO, port: 0 }, logger: new MemoryLogger('warn') });
    server = new DistkvServer({ name: 'peer', clock: rt.clock, logger: rt.logger, clientTransport: await listenTcp({ host: LO, port: 0, logger: rt.logger }), init: 'root' });
    assert.equal(await server.start(), 'serving');
    for (let i = 0; i < 50; i++) server.store.setValue(['k', i], { i, pad: 'x'.repeat(i * 20) });
    server.store.setValue(['k', 3], 'over');
    const port = server.opts.clientTransport.localAddr().port;
    const me = new Store('me', { tick: 0 });
    me.node('peer', server.store.tick);
    const connect = tcpSyncConnector();
    const p = new Puller({
      store: me,
      clock: rt.clock,
      random: rt.random,
      logger: rt.logger,
      stopped: false,
      connect,
      hostPort: () => [LO, port],
      peers: () => [{ name: 'peer', ours: true }],
    });
    await p.pull(new Map([['peer', RangeSet.span(1, server.store.tick! + 1)]]));
    assert.equal(p.stats.sessions, 1);
    assert.equal(p.stats.failed, 0);
    assert.ok(me.knownNode('peer')!.missing().isEmpty, JSON.stringify(me.knownNode('peer')!.missing().toWire()));
    assert.equal(me.get(['k', 3])?.value, 'over');
    assert.deepEqual(me.get(['k', 49])?.value, { i: 49, pad: 'x'.repeat(980) });
  });
});
