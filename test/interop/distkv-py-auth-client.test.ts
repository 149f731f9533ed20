// The REAL python DistKV client library logs in to OUR server side of auth (lib/auth/session.ts:
// DH answer, SecretBox open, user records made through auth_set). Until the client protocol
// wires lib/auth in (docs/auth.md "Plugging in"), the server here is a minimal test responder
// over a real Store: greeting, diffie_hellman, auth, auth_set, set_auth_typ, get_value, watch.
import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { AuthSession, greetingAuth } from '../../lib/auth/session.js';
import { passwordHash } from '../../lib/auth/password.js';
import { AuthReplyError } from '../../lib/auth/users.js';
import { Request } from '../../lib/client-protocol/msg.js';
import { MsgStreamDecoder, encode, type Value, type ValueObject } from '../../store/codec.js';
import { Store } from '../../store/store.js';
import { Path } from '../../store/path.js';
import { distkvPyAvailable, distkvPyDir, runCommand } from './peers.js';

const session0Greeting = (s: Store) => greetingAuth(s);

function responder(store: Store): Server {
  return createServer((sock: Socket) => {
    const session = new AuthSession(store);
    let tock = 1;
    const send = (m: ValueObject) => sock.write(encode({ ...m, tock: tock++ }));
    const auth = session.greeting();
    send({ seq: 0, version: [0, 57, 4], node: store.name, tick: 1, ...(auth ? { auth } : {}) });
    const dec = new MsgStreamDecoder();
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      for (const v of dec.push(chunk)) {
        const req = Request.from(v as Value)!;
        const seq = req.get('seq') as number;
        const action = String(req.get('action'));
        if (seq === 0 || !req.has('action')) continue;
        if (session.refuses(action)) {
          sock.destroy();
          return;
        }
        const stream = (body: () => ValueObject | undefined) => {
          send({ seq, state: 'start' });
          try {
            const r = body();
            if (r) send({ ...r, seq });
          } catch (e) {
            if (!(e instanceof AuthReplyError)) throw e;
            send({ seq, error: e.message });
          }
          send({ seq, state: 'end' });
        };
        try {
          switch (action) {
            case 'diffie_hellman':
              send({ ...session.diffieHellman(req), seq });
              break;
            case 'auth':
              stream(() => (session.login(req), undefined));
              break;
            case 'auth_set':
              stream(() => session.authSet(req) as unknown as ValueObject);
              break;
            case 'set_auth_typ':
              send({ ...(session.setAuthTyp(req) as unknown as ValueObject), seq });
              break;
            case 'get_value': {
              const e = store.get(req.path());
              send({ ...(e?.hasValue() ? { value: e.value as Value } : {}), seq });
              break;
            }
            case 'watch':
              send({ seq, state: 'start' });
              send({ seq, state: 'uptodate' });
              break;
            default:
              send({ seq, error: `not in this test responder: ${action}` });
          }
        } catch (e) {
          send({ seq, error: (e as Error).message });
        }
      }
    });
  });
}

describe('interop: the real python client logs in to our auth server side', function () {
  this.timeout(120_000);
  let srv: Server;
  let port: number;
  const store = new Store('ours');

  before(async function () {
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED: Python DistKV peer not installed at ${distkvPyDir()} (run scripts/setup-peers.sh)`);
      this.skip();
    }
    store.markReady();
    store.setValue(Path.of('x'), 'hello');
    srv = responder(store);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as { port: number }).port;
  });
  after(() => new Promise<void>((r) => (srv ? srv.close(() => r()) : r())));

  it('user made by the python library, then python logins: right password in, wrong out', async () => {
    const r = await runCommand(
      join(distkvPyDir(), 'bin/distkv-py-python'),
      [
        join(import.meta.dirname, 'distkv-py-auth-client.py'),
        String(port),
        'setup',
        'password name=bob password=b0b-secret',
        'password name=bob password=wrong-one',
        'root',
      ],
      { timeoutMs: 90_000 },
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const lines = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown[]);
    assert.deepEqual(lines[0], ['setup', 'ok']);
    assert.deepEqual(lines[1], ['login', 'password name=bob password=b0b-secret', 'hello']);
    assert.equal(lines[2]![0], 'error');
    assert.match(String(lines[2]![3]), /Password hashes do not match/);
    assert.equal(lines[3]![0], 'error');
    assert.equal(lines[3]![2], 'ClientAuthMethodError');
    // the record python's library created through our server: the bare SHA-256 of the password
    const rec = store.get([null, 'auth', 'password', 'user', 'bob'])!.value as { password: Uint8Array };
    assert.deepEqual(rec, { password: passwordHash('b0b-secret') });
    assert.deepEqual(session0Greeting(store), ['password']);
  });
});
