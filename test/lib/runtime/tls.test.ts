// listenTls: node:tls under the TcpTransport — a TLS client gets a plaintext stream both ways;
// a peer that never completes a handshake never reaches the handler, and close() does not wait
// for it. Self-signed certificate from `openssl` (skipped loudly without it).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stream } from '../../../gossip/runtime.js';
import { connectTcp } from '../../../lib/client/tcp.js';
import { listenTls, MemoryLogger, type TcpTransport } from '../../../lib/runtime/index.js';

describe('lib/runtime: listenTls', function () {
  this.timeout(30_000);
  let cert: Buffer;
  let key: Buffer;
  let dir: string | undefined;
  const closers: (() => unknown)[] = [];
  before(function () {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      console.warn('SKIPPED: openssl not installed (needed to make a self-signed certificate)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'c.pem'));
    key = readFileSync(join(dir, 'k.pem'));
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // a handshake timeout far beyond mocha's: close() must cut stalled handshakes itself
  async function server(): Promise<{ t: TcpTransport; accepted: Stream[] }> {
    const t = await listenTls({ host: '127.0.0.1', port: 0, logger: new MemoryLogger(), tls: { cert, key }, handshakeTimeoutMs: 600_000 });
    closers.push(() => t.close());
    const accepted: Stream[] = [];
    t.onStream((s) => {
      accepted.push(s);
      s.onData((b) => s.write(b)); // echo
      s.onClose(() => {});
    });
    return { t, accepted };
  }

  it('a verified TLS client gets an echo of its plaintext', async () => {
    const { t } = await server();
    const c = await connectTcp(t.localAddr(), 10_000, { ca: cert });
    closers.push(() => c.destroy());
    const got = new Promise<string>((resolve) => c.onData((b) => resolve(Buffer.from(b).toString())));
    c.onClose(() => {});
    c.write(Buffer.from('hello over tls'));
    assert.equal(await got, 'hello over tls');
  });

  it('a peer stuck before the handshake never reaches the handler, and close() does not wait for it', async () => {
    const { t, accepted } = await server();
    const raw = connect({ host: '127.0.0.1', port: t.localAddr().port });
    closers.push(() => raw.destroy());
    raw.on('error', () => {});
    const closed = new Promise<void>((r) => raw.once('close', () => r()));
    await new Promise<void>((r) => raw.once('connect', () => r()));
    // says nothing: the server waits for a ClientHello
    await t.close();
    await closed;
    assert.equal(accepted.length, 0);
  });
});
