// The RPC server per command, against two in-process Serf nodes on the real runtime (loopback,
// local profile), through our RPC client.
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import fc from 'fast-check';
import { localConfig } from '../../../gossip/memberlist/config.js';
import { asString, GoMap, type GoValue } from '../../../gossip/msgpack-go.js';
import { defaultSerfConfig } from '../../../gossip/serf/config.js';
import { Serf } from '../../../gossip/serf/serf.js';
import { createRealRuntime, MemoryLogger, type RealRuntime } from '../../../lib/runtime/index.js';
import { SerfRpcClient } from '../../../lib/serf-rpc/client.js';
import { LogTap } from '../../../lib/serf-rpc/log-tap.js';
import { encodeRequest } from '../../../lib/serf-rpc/protocol.js';
import { SerfRpcServer } from '../../../lib/serf-rpc/server.js';

interface Node {
  serf: Serf;
  rt: RealRuntime;
  logs: LogTap;
  rpc: SerfRpcServer;
  port: number;
  shutdowns: number;
}

async function startNode(name: string, authKey?: string): Promise<Node> {
  const logs = new LogTap(new MemoryLogger('info'));
  const rt = await createRealRuntime({ logger: logs });
  const cfg = defaultSerfConfig(name, localConfig(name));
  cfg.tags = new Map([['role', name === 'a' ? 'web' : 'db']]);
  const serf = Serf.create(rt, { config: cfg });
  const node = { serf, rt, logs, shutdowns: 0 } as Node;
  node.rpc = await SerfRpcServer.listen(
    {
      serf,
      logs,
      ...(authKey ? { authKey } : {}),
      shutdown: async () => {
        node.shutdowns++;
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
  node.port = node.rpc.localAddr().port;
  return node;
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const str = (m: GoValue | undefined, k: string) => asString((m as GoMap).get(k), k);

describe('serf-rpc server (in-process Serf, real loopback)', function () {
  this.timeout(20_000);
  let a: Node;
  let b: Node;
  const clients: SerfRpcClient[] = [];
  const client = async (n: Node, opts: { authKey?: string; handshake?: boolean } = {}) => {
    const c = await SerfRpcClient.connect('127.0.0.1', n.port, opts);
    clients.push(c);
    return c;
  };

  before(async () => {
    a = await startNode('a');
    b = await startNode('b');
    await b.serf.join([`127.0.0.1:${a.rt.addr.port}`]);
    await until(() => a.serf.members().length === 2, 'a sees b');
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const n of [a, b]) {
      await n?.rpc.close();
      await n?.serf.shutdown();
      await n?.rt.close();
    }
  });

  it('handshake: required first (then the connection ends), version checked, only once', async () => {
    const c0 = await client(a, { handshake: false });
    assert.deepEqual(await c0.call('members'), { error: 'Handshake required' });
    await c0.closed();
    const c1 = await client(a, { handshake: false });
    assert.equal((await c1.call('handshake', { Version: 2 })).error, 'Unsupported IPC version');
    assert.equal((await c1.call('handshake', { Version: 1 })).error, '');
    assert.equal((await c1.call('handshake', { Version: 1 })).error, 'Handshake already performed');
  });

  it('unsupported command: error, then closed', async () => {
    const c = await client(a);
    assert.equal((await c.call('bogus')).error, 'Unsupported command');
    await c.closed();
  });

  it('members and members-filtered (tag regex, status, name); a bad regex ends the connection', async () => {
    const c = await client(a);
    const all = (await c.ok('members')) as GoMap;
    const names = (all.get('Members') as GoMap[]).map((m) => str(m, 'Name'));
    assert.deepEqual(names.sort(), ['a', 'b']);
    const db = (await c.ok('members-filtered', { Tags: { role: 'd.' }, Status: 'alive', Name: '' })) as GoMap;
    assert.deepEqual((db.get('Members') as GoMap[]).map((m) => str(m, 'Name')), ['b']);
    const none = (await c.ok('members-filtered', { Tags: {}, Status: 'left', Name: '' })) as GoMap;
    assert.deepEqual(none.get('Members'), []);
    const byName = (await c.ok('members-filtered', { Tags: {}, Status: '', Name: 'a|zz' })) as GoMap;
    assert.deepEqual((byName.get('Members') as GoMap[]).map((m) => str(m, 'Name')), ['a']);
    assert.deepEqual(await c.call('members-filtered', { Tags: {}, Status: '', Name: '(' }), { error: 'connection closed' });
  });

  it('event reaches the other node’s stream (filtered by name); stop ends the stream', async () => {
    const cb = await client(b);
    const got: GoMap[] = [];
    assert.equal((await cb.call('stream', { Type: 'user:deploy' }, (r) => got.push(r as GoMap))).error, '');
    const streamSeq = cb.lastSeq;
    assert.equal((await cb.call('stream', { Type: 'bogus' })).error, 'Invalid event filter');
    const ca = await client(a);
    await ca.ok('event', { Name: 'other', Payload: new Uint8Array([1]), Coalesce: false });
    await ca.ok('event', { Name: 'deploy', Payload: new Uint8Array([7, 8]), Coalesce: true });
    await until(() => got.length === 1, 'user event streamed');
    assert.equal(str(got[0], 'Event'), 'user');
    assert.equal(str(got[0], 'Name'), 'deploy');
    assert.deepEqual([...(got[0]!.get('Payload') as Uint8Array)], [7, 8]);
    assert.equal(got[0]!.get('Coalesce'), true);
    await cb.ok('stop', { Stop: streamSeq });
    await ca.ok('event', { Name: 'deploy', Payload: new Uint8Array([9]), Coalesce: false });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 1);
    const tooBig = await ca.call('event', { Name: 'big', Payload: new Uint8Array(20_000), Coalesce: false });
    assert.match(tooBig.error, /exceeds/);
  });

  it('query through one node is answered through the other node’s stream + respond (ack, response, done)', async () => {
    const cb = await client(b);
    await cb.ok('stream', { Type: 'query:ping' }, (r) => {
      const m = r as GoMap;
      void cb.ok('respond', { ID: m.get('ID') ?? 0, Payload: new Uint8Array(Buffer.from('pong')) });
    });
    const ca = await client(a);
    const recs: GoMap[] = [];
    await ca.ok('query', { Name: 'ping', Payload: new Uint8Array(0), RequestAck: true, FilterNodes: ['b'], Timeout: 1_500_000_000 }, (r) => recs.push(r as GoMap));
    await until(() => recs.some((r) => str(r, 'Type') === 'done'), 'query done', 5000);
    const kinds = recs.map((r) => `${str(r, 'Type')}:${str(r, 'From')}`);
    assert.deepEqual(kinds.sort(), ['ack:b', 'done:', 'response:b']);
    const resp = recs.find((r) => str(r, 'Type') === 'response')!;
    assert.equal(Buffer.from(resp.get('Payload') as Uint8Array).toString(), 'pong');
    assert.equal((await cb.call('respond', { ID: 999, Payload: new Uint8Array(0) })).error, 'No pending queries matching ID');
  });

  it('monitor streams log lines at the level asked (one per connection), with a replay', async () => {
    const c = await client(a);
    const lines: string[] = [];
    assert.equal((await c.call('monitor', { LogLevel: 'nope' })).error, 'Unknown log level: NOPE');
    await c.ok('monitor', { LogLevel: 'info' }, (r) => lines.push(str(r, 'Log')));
    assert.equal((await c.call('monitor', { LogLevel: 'info' })).error, 'Monitor already exists');
    a.serf.rt.logger.log('warn', 'test', 'hello monitor');
    a.serf.rt.logger.log('debug', 'test', 'not shown');
    await until(() => lines.some((l) => l.includes('[WARN] test: hello monitor')), 'log line');
    assert.ok(lines.some((l) => l.includes('Accepted client')), 'replayed earlier lines');
    assert.ok(!lines.some((l) => l.includes('not shown')));
  });

  it('a monitor client that stops reading loses records beyond the backlog (bounded memory), then gets a warning logged', async () => {
    const sock = connect({ host: '127.0.0.1', port: a.port });
    await new Promise((r) => sock.once('connect', r));
    let received = 0;
    sock.on('data', (b: Buffer) => (received += b.length));
    sock.write(Buffer.concat([encodeRequest('handshake', 1, { Version: 1 }), encodeRequest('monitor', 2, { LogLevel: 'warn' })]));
    await until(() => received > 0, 'monitor accepted');
    sock.pause();
    let sawDrop = false;
    const off = a.logs.register((l) => {
      if (/Dropped \d+ records/.test(l)) sawDrop = true;
    });
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 2000; i++) a.serf.rt.logger.log('warn', 'flood', big);
    received = 0;
    sock.resume();
    await until(() => received > 0, 'records flow again');
    await until(() => sawDrop, 'drop warning');
    off();
    sock.destroy();
    // 2000 records of ~10 kB (20 MB) were offered; far fewer fit the backlog (plus socket buffers).
    assert.ok(received < 15_000_000, `received ${received} bytes`);
  });

  it('tags: set and delete, seen by the other node', async () => {
    const c = await client(a);
    await c.ok('tags', { Tags: { k: 'v' }, DeleteTags: ['role'] });
    assert.deepEqual([...a.serf.config.tags], [['k', 'v']]);
    await until(() => b.serf.members().find((m) => m.name === 'a')?.tags.get('k') === 'v', 'tag gossiped');
  });

  it('stats, get-coordinate, list-keys', async () => {
    const c = await client(a);
    const stats = (await c.ok('stats')) as GoMap;
    assert.equal(str(stats.get('agent'), 'name'), 'a');
    assert.equal(str(stats.get('serf'), 'members'), '2');
    const coord = (await c.ok('get-coordinate', { Node: 'a' })) as GoMap;
    assert.equal(coord.get('Ok'), true);
    assert.equal(((coord.get('Coord') as GoMap).get('Vec') as unknown[]).length, 8);
    const none = (await c.ok('get-coordinate', { Node: 'nosuch' })) as GoMap;
    assert.equal(none.get('Ok'), false);
    // No encryption here: every member says so, as Serf's key manager does.
    const keys = await c.call('list-keys');
    assert.equal((keys.body as GoMap).get('NumNodes'), 2);
    assert.match(keys.error, /2\/2 nodes reported failure/);
  });

  it('join an unreachable address reports the error and Num 0', async () => {
    const c = await client(a);
    const r = await c.call('join', { Existing: ['127.0.0.1:1'], Replay: false });
    assert.notEqual(r.error, '');
    assert.equal((r.body as GoMap).get('Num'), 0);
  });

  it('garbage ends only that connection; the server keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: a.port }, () => s.write(Buffer.from([0xc1, 0xff, 0x00])));
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
    const c = await client(a);
    assert.ok(await c.ok('members'));
  });

  it('fuzz: random requests (known commands, random bodies) never break the server', async () => {
    const cmds = ['handshake', 'auth', 'event', 'force-leave', 'members-filtered', 'stream', 'monitor', 'stop', 'tags', 'respond', 'get-coordinate', 'query'];
    const body = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string(),
      fc.dictionary(fc.constantFrom('Version', 'Name', 'Payload', 'Tags', 'Type', 'Stop', 'ID', 'Node', 'LogLevel', 'Timeout', 'FilterNodes'), fc.oneof(fc.integer(), fc.string(), fc.array(fc.string()), fc.constant(null))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...cmds), body), { minLength: 1, maxLength: 5 }), async (reqs) => {
        const bytes = Buffer.concat([encodeRequest('handshake', 1, { Version: 1 }), ...reqs.map(([cmd, b], i) => encodeRequest(cmd, i + 2, b as GoValue))]);
        await new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: b.port }, () => s.end(bytes));
          s.on('data', () => {});
          s.on('close', () => resolve());
          s.on('error', () => resolve());
          setTimeout(() => s.destroy(), 500);
        });
      }),
      { numRuns: 30 },
    );
    const c = await client(b);
    assert.ok(await c.ok('members'));
    // Tags the fuzzer may have set do not matter; restore for other tests' sake.
    await c.ok('tags', { Tags: { role: 'db' }, DeleteTags: [] });
  });

  it('auth: commands refused before auth (connection stays), wrong key refused, right key accepted', async () => {
    const n = await startNode('authy', 'sekret');
    try {
      const c = await SerfRpcClient.connect('127.0.0.1', n.port);
      clients.push(c);
      assert.equal((await c.call('members')).error, 'Authentication required');
      assert.equal((await c.call('auth', { AuthKey: 'wrong' })).error, 'Invalid authentication token');
      assert.equal((await c.call('auth', { AuthKey: 'sekret' })).error, '');
      assert.ok(await c.ok('members'));
    } finally {
      await n.rpc.close();
      await n.serf.shutdown();
      await n.rt.close();
    }
  });

  it('leave: answered, then the agent shutdown hook runs and the connection ends', async () => {
    const n = await startNode('leaver');
    try {
      const c = await SerfRpcClient.connect('127.0.0.1', n.port);
      clients.push(c);
      assert.equal((await c.call('leave')).error, '');
      await c.closed();
      assert.equal(n.shutdowns, 1);
      assert.equal(n.serf.state(), 'left');
    } finally {
      await n.rpc.close();
      await n.serf.shutdown();
      await n.rt.close();
    }
  });
});
