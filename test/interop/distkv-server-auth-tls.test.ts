// `distkv server` (a real process) with the auth/TLS server options: `-C auth.hardened=true`
// stores password users salted + scrypted and they still log in (our client, the python CLI);
// `server.bind_default.ssl` = {cert, key} serves the client port over TLS (our client; python's
// ssl module, since DistKV 0.57.4's client TLS path is broken). Cert made with `openssl` (skips
// loudly without).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistkvClient } from '../../lib/client/client.js';
import { login, setAuthType, setUser } from '../../lib/auth/client-login.js';
import { Path } from '../../store/path.js';
import { isDict } from '../../store/codec.js';
import { distkvPyAvailable, distkvPyClient, distkvPyDir, runCommand } from './peers.js';
import { startOurServer, type OurServer } from './distkv-server-helpers.js';
import { listenTcp, MemoryLogger, RealClock } from '../../lib/runtime/index.js';
import { DistkvServer } from '../../lib/server.js';
import { errOf } from './err-of.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const P = (s: string): Path => Path.parse(s);

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('interop: distkv server auth.hardened and TLS on the client port', function () {
  this.timeout(120_000);
  const servers: OurServer[] = [];
  const stops: (() => Promise<void>)[] = [];
  const conns: DistkvClient[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'distkv-authtls-'));
  after(async () => {
    for (const c of conns) if (!c.closed) c.close();
    for (const s of servers) await s.stop();
    for (const f of stops) await f();
    rmSync(dir, { recursive: true, force: true });
  });
  const connect = async (port: number, extra: Parameters<typeof DistkvClient.connect>[0] = {}): Promise<DistkvClient> => {
    const c = await DistkvClient.connect({ port, timeoutMs: 10_000, ...extra });
    conns.push(c);
    return c;
  };

  let hard: OurServer | undefined;
  it('-C auth.hardened=true: the stored record is scrypt, not the sha256; our client and the python CLI log in', async () => {
    const s = await startOurServer('hard1', ['-I', 'root', '-C', 'auth.hardened=true']);
    servers.push(s);
    hard = s;
    const admin = await connect(s.clientPort);
    await setUser(admin, { method: 'password', name: 'alice', password: 's3cret-pw' });
    await setAuthType(admin, 'password');
    const a = await connect(s.clientPort);
    await login(a, { method: 'password', name: 'alice', password: 's3cret-pw' });
    assert.equal((await a.get(Path.ROOT)).value, 'root');
    const rec = (await a.request('get_internal', { path: ['auth', 'password', 'user', 'alice'] })).value;
    assert.ok(isDict(rec));
    assert.deepEqual(Object.keys(rec as object), ['password_kdf']);
    const kdf = (rec as Record<string, unknown>).password_kdf as Record<string, unknown>;
    assert.equal(kdf.alg, 'scrypt');
    assert.equal((kdf.salt as Uint8Array).length, 16);
    const bad = await connect(s.clientPort);
    assert.match(await errOf(login(bad, { method: 'password', name: 'alice', password: 'wrong' })), /Password hashes do not match/);
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED (python part): Python DistKV peer not installed at ${distkvPyDir()}`);
      return;
    }
    const out = await distkvPyClient(s.clientPort, ['-a', 'password name=alice password=s3cret-pw', 'data', ':', 'get']);
    assert.equal(out.trim(), "'root'");
    // a user added by the python CLI is stored hardened too
    await distkvPyClient(s.clientPort, ['-a', 'password name=alice password=s3cret-pw', 'auth', '-m', 'password', 'user', 'add', 'name=bob', 'password=b0b-pw']);
    const bob = (await a.request('get_internal', { path: ['auth', 'password', 'user', 'bob'] })).value as Record<string, unknown>;
    assert.deepEqual(Object.keys(bob), ['password_kdf']);
    const b = await connect(s.clientPort);
    await login(b, { method: 'password', name: 'bob', password: 'b0b-pw' });
  });

  it('connect.auth: with auth on, a node without data logs in to its peer to sync', async function () {
    if (!hard) this.skip(); // the server of the test above, auth on (password)
    const a = hard;
    const admin = await connect(a.clientPort);
    await login(admin, { method: 'password', name: 'alice', password: 's3cret-pw' });
    await admin.set(P('synced'), 'yes');
    const b = await startOurServer('authB', ['-join', a.bind, '-C', 'connect.auth=password name=alice password=s3cret-pw'], { timeoutMs: 60_000 });
    servers.push(b);
    const c = await connect(b.clientPort);
    await login(c, { method: 'password', name: 'alice', password: 's3cret-pw' });
    assert.equal((await c.get(P('synced'))).value, 'yes');
  });

  it('without auth.hardened the record is python\'s sha256 (default unchanged)', async () => {
    const logger = new MemoryLogger('warn');
    const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
    const srv = new DistkvServer({ name: 'plain1', clock: new RealClock(), logger, clientTransport: transport, init: 'root' });
    assert.equal(await srv.start(), 'serving');
    stops.push(() => srv.stop());
    const admin = await connect(transport.localAddr().port);
    await setUser(admin, { method: 'password', name: 'carol', password: 'c4rol' });
    const rec = (await admin.request('get_internal', { path: ['auth', 'password', 'user', 'carol'] })).value as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec), ['password']);
  });

  describe('TLS (server.bind_default.ssl)', () => {
    let s: OurServer;
    let cert: string;
    let tlsArgs: string[];
    before(async function () {
      if (!hasOpenssl()) {
        console.warn('SKIPPED: openssl not installed (needed to make a self-signed certificate)');
        this.skip();
      }
      const certFile = join(dir, 'cert.pem');
      const keyFile = join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
      cert = readFileSync(certFile, 'utf8');
      tlsArgs = ['-C', `server.bind_default.ssl.cert=${certFile}`, '--tls-key', keyFile];
      s = await startOurServer('tls1', ['-I', 'root', ...tlsArgs]);
      servers.push(s);
    });

    it('our client over TLS (certificate verified): set, get', async () => {
      const c = await connect(s.clientPort, { tls: { ca: cert, servername: 'localhost' } });
      assert.equal((await c.set(P('t.x'), 'over-tls')).changed, true);
      assert.equal((await c.get(P('t.x'))).value, 'over-tls');
    });

    it('our CLI over TLS (--tls-ca); without it the connection fails with a readable error', async () => {
      const cli = (...a: string[]) =>
        runCommand(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/cli.ts'), 'client', '-p', String(s.clientPort), ...a], { timeoutMs: 30_000 });
      const ok = await cli('--tls-ca', join(dir, 'cert.pem'), 'data', 't.x', 'get');
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /over-tls/);
      const bad = await cli('--tls', 'data', 't.x', 'get');
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /cannot connect.*certificate/i);
    });

    it('a second TLS node without data syncs from the first over TLS (its initial sync is a client-protocol connection)', async () => {
      const b = await startOurServer('tls2', ['-join', s.bind, ...tlsArgs], { timeoutMs: 60_000 });
      servers.push(b);
      const c = await connect(b.clientPort, { tls: { ca: cert, servername: 'localhost' } });
      assert.equal((await c.get(P('t.x'))).value, 'over-tls');
      assert.equal((await c.get(Path.ROOT)).value, 'root');
    });

    it('a plain-TCP client gets no greeting; an untrusted certificate is refused', async () => {
      assert.notEqual(await errOf(DistkvClient.connect({ port: s.clientPort, timeoutMs: 3000 }).then((c) => conns.push(c))), 'no error');
      assert.match(await errOf(DistkvClient.connect({ port: s.clientPort, tls: {}, timeoutMs: 5000 }).then((c) => conns.push(c))), /self.signed|certificate/i);
    });

    it("python's TLS stack (ssl.create_default_context, as DistKV's gen_ssl) verifies our certificate and reads the greeting", async function () {
      if (!distkvPyAvailable()) {
        console.warn(`SKIPPED: Python DistKV peer not installed at ${distkvPyDir()}`);
        this.skip();
      }
      // DistKV 0.57.4's own client cannot do TLS at all (client.py calls
      // `TLSStream(ctx, ssl_context=…)`: TypeError), so the python side is its ssl module + msgpack.
      const script = `
import sys, socket, ssl, msgpack
ctx = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        u = msgpack.Unpacker(raw=False)
        while True:
            u.feed(s.recv(65536))
            for m in u:
                print(m["node"], m["version"]); s.sendall(msgpack.packb({"action": "get_value", "path": ["t", "x"], "seq": 1}))
                u2 = msgpack.Unpacker(raw=False)
                while True:
                    u2.feed(s.recv(65536))
                    for r in u2:
                        print(r.get("value")); sys.exit(0)
`;
      const r = await runCommand(join(distkvPyDir(), 'bin/distkv-py-python'), ['-', String(s.clientPort), join(dir, 'cert.pem')], { input: script, timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['tls1 [0, 57, 4]', 'over-tls']);
    });
  });
});
