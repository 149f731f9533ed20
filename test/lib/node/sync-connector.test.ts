// lib/node/sync-connector.ts against a real DistkvServer on loopback TCP: `get_value {node, tick}`
// returns a big value by its tick (what a big-value notice's receiver fetches), and a peer that
// greets but never answers a request closes the session at the deadline instead of hanging.
import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import { tcpSyncConnector } from '../../../lib/node/sync-connector.js';
import { createRealRuntime, listenTcp, MemoryLogger, type RealRuntime } from '../../../lib/runtime/index.js';
import { DistkvServer } from '../../../lib/server.js';
import { encode } from '../../../store/codec.js';

const LO = '127.0.0.1';

describe('lib/node/sync-connector: TCP sessions to a peer', function () {
  this.timeout(20_000);
  let rt: RealRuntime | undefined;
  let server: DistkvServer | undefined;
  let mute: Server | undefined;
  const sockets: Socket[] = [];

  after(async () => {
    await server?.stop();
    await rt?.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => (mute ? mute.close(r) : r(undefined)));
  });

  it('get_value {node, tick} fetches a 1 MiB value by the tick that wrote it; get_state reports the node', async () => {
    rt = await createRealRuntime({ bind: { host: LO, port: 0 }, logger: new MemoryLogger('warn') });
    server = new DistkvServer({ name: 'peer', clock: rt.clock, logger: rt.logger, clientTransport: await listenTcp({ host: LO, port: 0, logger: rt.logger }), init: 'root' });
    assert.equal(await server.start(), 'serving');
    const big = 'v'.repeat(1 << 20);
    server.store.setValue(['big'], big);
    const tick = server.store.tick!;
    const s = await tcpSyncConnector()({ name: 'peer', host: LO, port: server.opts.clientTransport.localAddr().port });
    try {
      const r = (await s.getValue!('peer', tick)) as Record<string, unknown>;
      assert.equal(r.value, big);
      const st = (await s.state()) as Record<string, unknown>;
      assert.ok(st.nodes && typeof st.nodes === 'object' && 'peer' in (st.nodes as object));
    } finally {
      s.close();
    }
  });

  it('a peer that greets but never replies: the request fails at the deadline and the session closes', async () => {
    mute = createServer((sock) => {
      sockets.push(sock);
      sock.on('error', () => undefined);
      sock.write(encode({ seq: 0, node: 'mute', version: [0, 57], qlen: 0 } as never));
    });
    await new Promise<void>((r) => mute!.listen(0, LO, r));
    const port = (mute.address() as { port: number }).port;
    const s = await tcpSyncConnector({ requestTimeoutMs: 300 })({ name: 'mute', host: LO, port });
    await assert.rejects(s.getValue!('mute', 1), /get_value: no reply .* within 300 ms/);
    s.close();
  });
});
