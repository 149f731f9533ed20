// Auth on OUR server (lib/server.ts with lib/auth wired into the client protocol): the real
// python CLI sets up password users and an ACL and switches auth on, then the python CLI, the
// python library and our client log in; the ACL example allows exactly what it says.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { listenTcp, MemoryLogger, RealClock } from '../../lib/runtime/index.js';
import { DistkvServer } from '../../lib/server.js';
import { DistkvClient } from '../../lib/client/client.js';
import { login } from '../../lib/auth/client-login.js';
import { Path } from '../../store/path.js';
import { distkvPyAvailable, distkvPyClient, distkvPyDir, runCommand } from './peers.js';
import { errOf } from './err-of.js';

const P = (s: string): Path => Path.parse(s);

describe('interop: auth on our server, python CLI/library and our client', function () {
  this.timeout(180_000);
  let server: DistkvServer;
  let port: number;
  const conns: DistkvClient[] = [];

  before(async function () {
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED: Python DistKV peer not installed at ${distkvPyDir()} (run scripts/setup-peers.sh)`);
      this.skip();
    }
    const logger = new MemoryLogger();
    const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
    server = new DistkvServer({ name: 'authours', clock: new RealClock(), logger, clientTransport: transport, init: 'root' });
    assert.equal(await server.start(), 'serving');
    port = transport.localAddr().port;
    const cli = (...a: string[]) => distkvPyClient(port, a);
    await cli('data', 'x', 'set', '-v', ':', 'hello');
    const c = await DistkvClient.connect({ port });
    await c.request('set_internal', { path: ['acl', 'foo', 'one'], value: 'rxnc' });
    await c.request('set_internal', { path: ['acl', 'foo', 'one', 'two'], value: 'rc' });
    c.close();
    await cli('auth', '-m', 'password', 'user', 'add', 'name=alice', 'password=s3cret-pw');
    await cli('auth', '-m', 'password', 'user', 'add', 'name=limited', 'password=l1mited');
    await cli('auth', '-m', 'password', 'user', 'param', 'limited', 'acl', 'foo');
    await cli('auth', '-m', 'password', 'init');
  });
  after(async () => {
    for (const c of conns) if (!c.closed) c.close();
    await server?.stop();
  });

  it('the python CLI logs in with -a "password name=… password=…"', async () => {
    const out = await distkvPyClient(port, ['-a', 'password name=alice password=s3cret-pw', 'data', 'x', 'get']);
    assert.equal(out.trim(), "'hello'");
    const r = await runCommand(join(distkvPyDir(), 'bin/distkv-py'), ['client', '-h', '127.0.0.1', '-p', String(port), '-a', 'password name=alice password=wrong-pw', 'data', 'x', 'get'], {
      timeoutMs: 30_000,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /Password hashes do not match/);
  });

  it('our client: login required, then works; ACL example enforced', async () => {
    const anon = await DistkvClient.connect({ port });
    conns.push(anon);
    assert.deepEqual(anon.greeting.auth, ['password']);
    assert.match(await errOf(anon.get(P('x'))), /closed/);

    const a = await DistkvClient.connect({ port });
    conns.push(a);
    await login(a, { method: 'password', name: 'alice', password: 's3cret-pw' });
    assert.equal((await a.get(P('x'))).value, 'hello');

    const l = await DistkvClient.connect({ port });
    conns.push(l);
    await login(l, { method: 'password', name: 'limited', password: 'l1mited' });
    assert.equal((await l.set(P('one'), 10)).changed, true);
    assert.equal((await l.set(P('one.two'), 11)).changed, true);
    assert.match(await errOf(l.set(P('one.two.three'), 12)), /'rc'>, 'n'\)$/);
    assert.match(await errOf(l.set(P('one.two'), 13)), /'rc'>, 'w'\)$/);
    assert.match(await errOf(l.set(P('one'), 14)), /'rxnc'>, 'w'\)$/);
    assert.equal((await l.get(P('one.two'))).value, 11);
    assert.equal((await a.get(P('one.two'))).value, 11);
  });
});
