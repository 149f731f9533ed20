// `distkv server` (a real process) with python's `server.bind` list from a YAML file: a plain and
// a mutual-TLS client port on one store — the python DistKV CLI on the plain one, our client and
// CLI over TLS with a client certificate on the other; /metrics has the per-command latency
// histogram; SIGHUP re-reads the certificate files (new handshakes get the new certificate; a
// bad key is logged and the old one kept).
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect } from 'node:tls';
import { DistkvClient } from '../../lib/client/client.js';
import { Path } from '../../store/path.js';
import { hasOpenssl, TestCerts, type CertFiles } from '../lib/runtime/test-certs.js';
import { startOurServer, type OurServer } from './distkv-server-helpers.js';
import { distkvPyAvailable, distkvPyClient, distkvPyDir, freePort, runCommand, waitFor } from './peers.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib/cli.ts');

describe('interop: distkv server with several client ports (server.bind), TLS reload on SIGHUP', function () {
  this.timeout(120_000);
  let certs: TestCerts;
  let s: OurServer | undefined;
  let plainPort: number;
  let tlsPort: number;
  let metricsPort: number;
  let me: CertFiles;
  const clients: DistkvClient[] = [];
  before(async function () {
    if (!hasOpenssl()) {
      console.warn('SKIPPED: openssl not installed (needed to make test certificates)');
      this.skip();
    }
    certs = new TestCerts();
    me = certs.client();
    const first = certs.server();
    // the files the server reads; rewritten in place for the reload
    copyFileSync(first.cert, join(certs.dir, 'live.pem'));
    copyFileSync(first.key, join(certs.dir, 'live.key'));
    [plainPort, tlsPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const cfg = join(certs.dir, 'distkv.yaml');
    writeFileSync(
      cfg,
      [
        'server:',
        '  bind_default: {host: localhost, ssl: false}',
        '  bind:',
        `    - {port: ${plainPort}}`,
        `    - {port: ${tlsPort}, ssl: {cert: ${join(certs.dir, 'live.pem')}, key: ${join(certs.dir, 'live.key')}, ca: ${certs.ca}}}`,
        '',
      ].join('\n'),
    );
    s = await startOurServer('binds1', ['-I', 'root', '-c', cfg, '-metrics-addr', `127.0.0.1:${metricsPort}`]);
  });
  after(async () => {
    for (const c of clients) if (!c.closed) c.close();
    await s?.stop();
    certs?.remove();
  });

  const mine = () => ({ ca: readFileSync(certs.ca), cert: readFileSync(me.cert), key: readFileSync(me.key) });
  const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;
  const served = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const sock = tlsConnect({ host: '127.0.0.1', port: tlsPort, ...mine(), servername: 'localhost' }, () => {
        resolve(sock.getPeerCertificate().fingerprint256);
        sock.destroy();
      });
      sock.once('error', reject);
    });

  it('one store on both ports: our client over mutual TLS writes, the plain port reads it, our CLI with --tls-cert and the python CLI too', async () => {
    const tls = await DistkvClient.connect({ port: tlsPort, timeoutMs: 10_000, tls: { ...mine(), servername: 'localhost' } });
    clients.push(tls);
    await tls.set(Path.parse('two.ports'), 'yes');
    const plain = await DistkvClient.connect({ port: plainPort, timeoutMs: 10_000 });
    clients.push(plain);
    assert.equal((await plain.get(Path.parse('two.ports'))).value, 'yes');
    const m = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(m, /^# TYPE distkv_client_request_duration_seconds histogram$/m);
    assert.match(m, /^distkv_client_request_duration_seconds_count\{command="set_value"\} [1-9]/m);
    const cli = (...a: string[]) => runCommand(process.execPath, ['--import', 'tsx', CLI, 'client', '-p', String(tlsPort), '--tls-ca', certs.ca, ...a], { timeoutMs: 30_000 });
    const ok = await cli('--tls-cert', me.cert, '--tls-key', me.key, 'data', 'two.ports', 'get');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /yes/);
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED (python part): Python DistKV peer not installed at ${distkvPyDir()}`);
      return;
    }
    assert.equal((await distkvPyClient(plainPort, ['data', 'two.ports', 'get'])).trim(), "'yes'");
  });

  it('SIGHUP: the rewritten certificate serves new handshakes; a bad key is logged and the old certificate kept', async () => {
    const before = await served();
    const next = certs.server();
    assert.notEqual(fingerprint(next.cert), before);
    copyFileSync(next.cert, join(certs.dir, 'live.pem'));
    copyFileSync(next.key, join(certs.dir, 'live.key'));
    s!.proc.kill('SIGHUP');
    await waitFor(async () => (await served()) === fingerprint(next.cert), 20_000, 'the new certificate served');
    // an open connection from before the reload still works
    assert.equal((await clients[0]!.get(Path.parse('two.ports'))).value, 'yes');
    copyFileSync(certs.server().key, join(certs.dir, 'live.key'));
    s!.proc.kill('SIGHUP');
    await waitFor(() => /client port TLS not reloaded.*key values mismatch/.test(s!.logs()), 20_000, 'the bad key logged');
    assert.equal(await served(), fingerprint(next.cert));
    assert.equal(s!.proc.exitCode, null, 'still running');
  });
});
