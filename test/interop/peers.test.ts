// The interop harness itself: real Serf agents and a real Python DistKV server start, talk, and
// are cleaned up.
import { strict as assert } from 'node:assert';
import {
  distkvPyAvailable,
  distkvPyClient,
  distkvPyDir,
  etcdAvailable,
  etcdctl,
  freePort,
  runCommand,
  runPyScript,
  serfAvailable,
  serfCli,
  serfMembers,
  startDistkvPy,
  startEtcd,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  type SerfAgent,
} from './peers.js';

describe('interop harness (test/interop/peers.ts)', function () {
  this.timeout(60_000);
  after(() => stopAllPeers());

  it('freePort gives distinct ports; waitFor returns the value or times out naming what', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    assert.equal(new Set(ports).size, 3);
    let n = 0;
    assert.equal(await waitFor(() => (++n >= 3 ? 'done' : false), 1000, 'three polls', 1), 'done');
    await assert.rejects(waitFor(() => false, 30, 'the impossible', 5), /waiting for the impossible/);
  });

  describe('Serf agents', () => {
    let a: SerfAgent | undefined;
    let b: SerfAgent | undefined;
    before(function () {
      if (!serfAvailable()) {
        console.warn('SKIPPED: /usr/bin/serf is missing (run scripts/setup-peers.sh as root)');
        this.skip();
      }
    });
    after(async () => {
      await Promise.all([a?.kill(), b?.kill()]);
    });

    it('two agents join and both list 2 alive members with their tags', async () => {
      a = await startSerfAgent({ node: 'harness-a', tags: { role: 'first' } });
      b = await startSerfAgent({ node: 'harness-b', join: [a.bind] });
      for (const agent of [a, b]) {
        const members = await waitFor(
          async () => {
            const ms = await serfMembers(agent.rpcAddr);
            return ms.filter((m) => m.status === 'alive').length === 2 && ms;
          },
          10_000,
          `2 alive members seen by ${agent.node}`,
        );
        assert.deepEqual(members.map((m) => m.name).sort(), ['harness-a', 'harness-b']);
        const first = members.find((m) => m.name === 'harness-a')!;
        assert.deepEqual(first.tags, { role: 'first' });
        assert.equal(first.addr, a.bind);
      }
      assert.match(await serfCli(a.rpcAddr, ['members']), /harness-b\s+127\.0\.0\.1:\d+\s+alive/);
    });

    it('a process that dies while starting rejects with its log tail', async () => {
      assert.ok(a, 'previous test started agent a');
      await assert.rejects(startSerfAgent({ node: 'harness-clash', bind: a.bind }), /exited before ready[\s\S]*address already in use/i);
    });

    it('agents still running when the test process exits are killed with it', async () => {
      const child = await runCommand(process.execPath, [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { startSerfAgent } from ${JSON.stringify(new URL('./peers.ts', import.meta.url).pathname)};
         const a = await startSerfAgent({ node: 'harness-orphan' });
         console.log(a.proc.pid);
         process.exit(0);`,
      ]);
      const pid = Number(child.stdout.trim());
      assert.ok(pid > 0, child.stderr);
      await waitFor(() => !alive(pid), 5000, `serf pid ${pid} to be gone`);
    });

    it('agents with the same -encrypt key join each other', async () => {
      const key = Buffer.alloc(16, 7).toString('base64');
      const x = await startSerfAgent({ node: 'harness-enc-x', encrypt: key });
      try {
        const y = await startSerfAgent({ node: 'harness-enc-y', encrypt: key, join: [x.bind] });
        try {
          await waitFor(async () => (await serfMembers(y.rpcAddr, ['-status=alive'])).length === 2, 10_000, 'encrypted join');
          assert.match(y.logs(), /Encrypted: true/);
        } finally {
          await y.kill();
        }
      } finally {
        await x.kill();
      }
    });

    it('stop() leaves gracefully: the other agent sees "left"', async () => {
      assert.ok(a && b, 'previous test started the agents');
      await b.stop();
      assert.notEqual(b.proc.exitCode, null);
      await waitFor(
        async () => (await serfMembers(a!.rpcAddr)).find((m) => m.name === 'harness-b')?.status === 'left',
        10_000,
        'harness-b to be left',
      );
      await a.kill();
      assert.equal(a.proc.signalCode, 'SIGKILL');
      await assert.rejects(serfMembers(a.rpcAddr), /connection refused|Error connecting/);
    });
  });

  describe('etcd', () => {
    before(function () {
      if (!etcdAvailable()) {
        console.warn('SKIPPED: /usr/bin/etcd or etcdctl is missing (run scripts/setup-peers.sh as root)');
        this.skip();
      }
    });

    it('a single-member etcd serves the v2 API over HTTP and etcdctl', async () => {
      const e = await startEtcd();
      try {
        await etcdctl(e.clientUrl, ['set', '/harness/a', 'one'], { v2: true });
        const r = await fetch(`${e.clientUrl}/v2/keys/harness/a`);
        const body = (await r.json()) as { node: { key: string; value: string } };
        assert.equal(body.node.value, 'one');
        assert.equal((await etcdctl(e.clientUrl, ['get', '/harness/a'], { v2: true })).trim(), 'one');
        await etcdctl(e.clientUrl, ['put', 'v3key', 'two']);
        assert.match(await etcdctl(e.clientUrl, ['get', 'v3key']), /two/);
      } finally {
        await e.stop();
      }
    });
  });

  describe('Python DistKV', function () {
    // Each Python CLI call costs ~1 s of interpreter start; on a loaded machine much more.
    this.timeout(120_000);
    before(function () {
      if (!serfAvailable() || !distkvPyAvailable()) {
        console.warn(`SKIPPED: needs /usr/bin/serf and the Python DistKV peer in ${distkvPyDir()} (run scripts/setup-peers.sh)`);
        this.skip();
      }
    });

    it('a server started with -I runs; its client CLI sets and gets a value; the client library reads it', async () => {
      const agent = await startSerfAgent({ node: 'harness-py' });
      try {
        const d = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'root-value' });
        await distkvPyClient(d.clientPort, ['data', 'harness.key', 'set', '-v', ':', 'hello from ts']);
        const got = await distkvPyClient(d.clientPort, ['data', 'harness.key', 'get']);
        assert.match(got, /hello from ts/);
        const out = await runPyScript(
          [
            'import anyio, sys',
            'from distkv.client import open_client',
            'from distkv.default import CFG',
            'from distkv.util import combine_dict, attrdict, P',
            'async def main():',
            '    cfg = combine_dict(attrdict(connect=attrdict(host="127.0.0.1", port=int(sys.argv[1]))), CFG, cls=attrdict)',
            '    async with open_client(**cfg) as c:',
            '        print((await c.get(P("harness.key"))).value)',
            'anyio.run(main, backend="trio")',
          ].join('\n'),
          [String(d.clientPort)],
        );
        assert.equal(out.trim(), 'hello from ts');
        await d.stop();
        assert.notEqual(d.proc.exitCode ?? d.proc.signalCode, null);
      } finally {
        await agent.kill();
      }
    });

    it('a second server without -I syncs from the first through the hostmap (fast pings)', async () => {
      const a = await startSerfAgent({ node: 'harness-py-a' });
      const b = await startSerfAgent({ node: 'harness-py-b', join: [a.bind] });
      try {
        const [p1, p2] = [await freePort(), await freePort()];
        const hostmap = { test1: `127.0.0.1:${p1}`, test2: `127.0.0.1:${p2}` };
        const ping = { cycle: 3, gap: 1 };
        const d1 = await startDistkvPy({ name: 'test1', serfRpcPort: a.rpcPort, clientPort: p1, init: 'root', hostmap, ping });
        await distkvPyClient(p1, ['data', 'harness.before', 'set', '-v', ':', 'written before test2 started']);
        const d2 = await startDistkvPy({ name: 'test2', serfRpcPort: b.rpcPort, clientPort: p2, hostmap, ping });
        assert.match(await distkvPyClient(p2, ['data', 'harness.before', 'get']), /written before test2 started/);
        await distkvPyClient(p2, ['data', 'harness.after', 'set', '-v', ':', 'from test2']);
        await waitFor(async () => /from test2/.test(await distkvPyClient(p1, ['data', 'harness.after', 'get'])), 10_000, 'test2 write on test1');
        await Promise.all([d1.kill(), d2.kill()]);
      } finally {
        await Promise.all([a.kill(), b.kill()]);
      }
    });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
