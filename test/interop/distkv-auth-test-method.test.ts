// DistKV's `_test` auth method on our server: the raw conversation (auth_set's two-way stream,
// auth_get/list, login) gives the same replies as the python server; our client library, our CLI
// and the python CLI create `_test` users and log in with them.
import { strict as assert } from 'node:assert';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenTcp, MemoryLogger, RealClock } from '../../lib/runtime/index.js';
import { DistkvServer } from '../../lib/server.js';
import { DistkvClient } from '../../lib/client/client.js';
import { login, setAuthType, setUser } from '../../lib/auth/client-login.js';
import { Path } from '../../store/path.js';
import { distkvPyAvailable, distkvPyClient, distkvPyDir, runCommand, serfAvailable, startDistkvPy, startSerfAgent } from './peers.js';
import { errOf } from './err-of.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

async function ourServer(): Promise<{ server: DistkvServer; port: number }> {
  const logger = new MemoryLogger('warn');
  const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
  const server = new DistkvServer({ name: 'testauth', clock: new RealClock(), logger, clientTransport: transport, init: 'root' });
  assert.equal(await server.start(), 'serving');
  return { server, port: transport.localAddr().port };
}

describe('interop: the _test auth method', function () {
  this.timeout(120_000);
  const stops: (() => Promise<void>)[] = [];
  const conns: DistkvClient[] = [];
  after(async () => {
    for (const c of conns) if (!c.closed) c.close();
    for (const s of stops.reverse()) await s();
  });
  const connect = async (port: number): Promise<DistkvClient> => {
    const c = await DistkvClient.connect({ port });
    conns.push(c);
    return c;
  };

  it('our client library: create a _test user on the two-way stream, switch to _test, log in by name', async () => {
    const { server, port } = await ourServer();
    stops.push(() => server.stop());
    const admin = await connect(port);
    const r = await setUser(admin, { method: '_test', name: 'foo' });
    assert.equal(r.changed, true);
    assert.equal((r.chain as { prev: unknown }).prev, null);
    assert.deepEqual((await admin.request('get_internal', { path: ['auth', '_test', 'user', 'foo'] })).value, {});
    await setAuthType(admin, '_test');
    const c = await connect(port);
    assert.deepEqual(c.greeting.auth, ['_test']);
    await login(c, { method: '_test', name: 'foo' });
    assert.equal((await c.get(Path.ROOT)).value, 'root');
    const bad = await connect(port);
    assert.equal(await errOf(login(bad, { method: '_test', name: 'nobody' })), "KeyError(P('_test.user.nobody'))");
    // the stream is closed on both sides afterwards: nothing pending on the server
    assert.equal(server.listener.connectionCount, 3);
  });

  it('our CLI: auth -m _test user add, then -a "_test name=…"', async () => {
    const { server, port } = await ourServer();
    stops.push(() => server.stop());
    const cli = (...a: string[]) => runCommand(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/cli.ts'), 'client', '-p', String(port), ...a], { timeoutMs: 30_000 });
    const add = await cli('auth', '-m', '_test', 'user', 'add', 'name=carl');
    assert.equal(add.code, 0, add.stdout + add.stderr);
    assert.equal(add.stdout.trim(), 'carl');
    assert.equal((await cli('auth', '-m', '_test', 'init')).code, 0);
    const get = await cli('-a', '_test name=carl', 'data', ':', 'get');
    assert.equal(get.code, 0, get.stdout + get.stderr);
    assert.match(get.stdout, /root/);
    const bad = await cli('-a', '_test name=nobody', 'data', ':', 'get');
    assert.notEqual(bad.code, 0);
  });

  it('the python CLI against ours: user add, init, login; the raw conversation equals the python server\'s', async function () {
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED: Python DistKV peer not installed at ${distkvPyDir()}`);
      this.skip();
    }
    const script = join(HERE, 'distkv-py-test-auth-wire.py');
    const py = join(distkvPyDir(), 'bin/distkv-py-python');
    const { server, port } = await ourServer();
    stops.push(() => server.stop());
    const ours = await runCommand(py, [script, String(port)], { timeoutMs: 30_000 });
    assert.equal(ours.code, 0, ours.stdout + ours.stderr);
    await distkvPyClient(port, ['-a', '_test name=foo', 'auth', '-m', '_test', 'user', 'add', 'name=bar']);
    assert.equal((await distkvPyClient(port, ['-a', '_test name=bar', 'data', ':', 'get'])).trim(), "'root'");
    const listed = await distkvPyClient(port, ['-a', '_test name=bar', 'auth', '-m', '_test', 'user', 'list']);
    assert.deepEqual(listed.trim().split('\n').sort(), ['bar', 'foo']);
    if (!serfAvailable()) {
      console.warn('SKIPPED (python server comparison): serf not installed');
      return;
    }
    const serf = await startSerfAgent({ node: 'testauthpy' });
    stops.push(() => serf.stop());
    const pys = await startDistkvPy({ name: 'testauth', serfRpcPort: serf.rpcPort, init: 'root' });
    stops.push(() => pys.stop());
    const theirs = await runCommand(py, [script, String(pys.clientPort)], { timeoutMs: 30_000 });
    assert.equal(theirs.code, 0, theirs.stdout + theirs.stderr);
    assert.equal(ours.stdout, theirs.stdout);
  });
});
