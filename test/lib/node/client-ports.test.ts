// Several client ports (python `server.bind`) on a real node, loopback, port 0: a plain and a
// mutual-TLS one serve the same store; a client without a certificate signed by the client CA is
// refused on the TLS one; peers are told about the first reachable port (tags `dkv-client`,
// `dkv-client-tls`) and a joining node syncs over it — over TLS, showing its own certificate.
// Certificate reload: new handshakes get the new certificate, open connections keep working, a
// bad certificate is refused and the old one kept. advertisedEndpoint's rule, pure.
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { DistkvClient } from '../../../lib/client/client.js';
import { DistkvNode } from '../../../lib/node.js';
import { advertisedEndpoint, CLIENT_TLS_TAG } from '../../../lib/node/client-ports.js';
import { peerSpeaksTls } from '../../../lib/node/peer-connector.js';
import { MemoryLogger, type TlsServerFiles } from '../../../lib/runtime/index.js';
import { CLIENT_ADDR_TAG } from '../../../store/replication/bus.js';
import { Path } from '../../../store/path.js';
import { hasOpenssl, TestCerts, type CertFiles } from '../runtime/test-certs.js';

const LO = '127.0.0.1';
const P = (s: string): Path => Path.parse(s);

describe('lib/node/client-ports: advertisedEndpoint', () => {
  const b = (host: string, port: number, tls = false) => ({ addr: { host, port }, tls });
  it('loopback-only node: the first entry', () => {
    assert.deepEqual(advertisedEndpoint([b(LO, 1), b('0.0.0.0', 2, true)], LO), { index: 0, host: LO, port: 1, tls: false });
  });
  it('a node advertising a real address: the first entry not on loopback, a wildcard named by that address', () => {
    assert.deepEqual(advertisedEndpoint([b(LO, 1), b('0.0.0.0', 2, true), b('10.0.0.9', 3)], '10.0.0.5'), { index: 1, host: '10.0.0.5', port: 2, tls: true });
    assert.deepEqual(advertisedEndpoint([b(LO, 1), b('10.0.0.9', 3)], '10.0.0.5'), { index: 1, host: '10.0.0.9', port: 3, tls: false });
    assert.deepEqual(advertisedEndpoint([b('::', 4)], 'fd00::5'), { index: 0, host: 'fd00::5', port: 4, tls: false });
    // nothing reachable from elsewhere: still the first (a hostmap must name another one)
    assert.deepEqual(advertisedEndpoint([b(LO, 1), b('127.0.0.2', 2)], '10.0.0.5').index, 0);
  });
});

describe('lib/node/peer-connector: peerSpeaksTls', () => {
  const member = (name: string, tags: Record<string, string>) => ({ name, tags: new Map(Object.entries(tags)) }) as never;
  const members = [member('t', { [CLIENT_ADDR_TAG]: '10.0.0.1:27587', [CLIENT_TLS_TAG]: '1' }), member('p', { [CLIENT_ADDR_TAG]: '10.0.0.2:27586' })];
  it("by the peer's tags when the address is the one they name; else our own default", () => {
    assert.equal(peerSpeaksTls(members, { name: 't', host: '10.0.0.1', port: 27587 }, false), true);
    assert.equal(peerSpeaksTls(members, { name: 'p', host: '10.0.0.2', port: 27586 }, true), false);
    // a hostmap named another address: the tags say nothing about it
    assert.equal(peerSpeaksTls(members, { name: 't', host: '10.0.0.1', port: 27586 }, false), false);
    assert.equal(peerSpeaksTls(members, { name: 'python', host: '10.0.0.3', port: 27586 }, true), true);
  });
});

describe('lib/node: several client ports, mutual TLS, certificate reload', function () {
  this.timeout(30_000);
  let certs: TestCerts;
  const nodes: DistkvNode[] = [];
  const clients: DistkvClient[] = [];
  const sockets: { destroy(): void }[] = [];
  before(function () {
    if (!hasOpenssl()) {
      console.warn('SKIPPED: openssl not installed (needed to make test certificates)');
      this.skip();
    }
    certs = new TestCerts();
  });
  after(async () => {
    for (const c of clients) if (!c.closed) c.close();
    for (const s of sockets) s.destroy();
    for (const n of nodes) await n.stop(false);
    certs?.remove();
  });

  const tlsFiles = (f: CertFiles): TlsServerFiles => ({ ...certs.read(f), ca: readFileSync(certs.ca) });
  const clientTls = (f?: CertFiles): ConnectionOptions => ({ ca: readFileSync(certs.ca), servername: 'localhost', ...(f ? certs.read(f) : {}) });
  const connect = async (port: number, tls?: ConnectionOptions): Promise<DistkvClient> => {
    const c = await DistkvClient.connect({ host: LO, port, timeoutMs: 10_000, ...(tls ? { tls } : {}) });
    clients.push(c);
    return c;
  };
  /** The SHA-256 fingerprint of the certificate a new TLS handshake gets. */
  const servedCert = (port: number, me: CertFiles): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = tlsConnect({ host: LO, port, ...clientTls(me) }, () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.destroy();
      });
      sockets.push(s);
      s.once('error', reject);
    });
  const fingerprint = (f: CertFiles): string => new X509Certificate(readFileSync(f.cert)).fingerprint256;

  let a: DistkvNode;
  let serverA: CertFiles;
  const portOf = (n: DistkvNode, i: number) => n.clientPorts.bound()[i]!.addr.port;

  it('a plain and a mutual-TLS port serve one store; the TLS one refuses clients without a CA-signed certificate', async () => {
    serverA = certs.server();
    a = await DistkvNode.create({
      name: 'cpa',
      logger: new MemoryLogger('warn'),
      bind: { host: LO, port: 0 },
      clientBinds: [
        { addr: { host: LO, port: 0 }, tls: tlsFiles(serverA) },
        { addr: { host: LO, port: 0 } },
      ],
      profile: 'local',
      ping: { cycle: 3, gap: 1 },
      server: { init: 'root' },
    });
    nodes.push(a);
    assert.equal(await a.start(), 'serving');
    const me = certs.client();
    const overTls = await connect(portOf(a, 0), clientTls(me));
    const plain = await connect(portOf(a, 1));
    await overTls.set(P('x'), 'via-tls');
    assert.equal((await plain.get(P('x'))).value, 'via-tls');
    await assert.rejects(connect(portOf(a, 0), clientTls()), 'no client certificate');
    await assert.rejects(connect(portOf(a, 0), clientTls(certs.stranger())), 'a certificate the CA did not sign');
    // the first port is advertised (loopback node), with its TLS flag
    assert.equal(a.serf.localMember().tags.get(CLIENT_ADDR_TAG), `${LO}:${portOf(a, 0)}`);
    assert.equal(a.serf.localMember().tags.get(CLIENT_TLS_TAG), '1');
  });

  it('a node joining without data syncs over the advertised TLS port, showing its own certificate', async function () {
    if (!a) this.skip();
    const b = await DistkvNode.create({
      name: 'cpb',
      logger: new MemoryLogger('warn'),
      bind: { host: LO, port: 0 },
      join: [`${a.rt.addr.host}:${a.rt.addr.port}`],
      clientBinds: [
        { addr: { host: LO, port: 0 } },
        { addr: { host: LO, port: 0 }, tls: tlsFiles(certs.server()) },
      ],
      profile: 'local',
      ping: { cycle: 3, gap: 1 },
    });
    nodes.push(b);
    assert.equal(await b.start(), 'serving');
    assert.equal(b.server.store.get(['x'])?.value, 'via-tls');
    assert.equal(b.serf.localMember().tags.get(CLIENT_ADDR_TAG), `${LO}:${portOf(b, 0)}`);
    assert.equal(b.serf.localMember().tags.has(CLIENT_TLS_TAG), false);
  });

  it('reload: new handshakes get the new certificate, an open connection keeps working; a bad one is refused and the old kept', async function () {
    if (!a) this.skip();
    const me = certs.client();
    const port = portOf(a, 0);
    assert.equal(await servedCert(port, me), fingerprint(serverA));
    const open = await connect(port, clientTls(me));
    const next = certs.server();
    assert.deepEqual(a.reloadClientTls([() => tlsFiles(next), undefined]), []);
    assert.equal(await servedCert(port, me), fingerprint(next));
    await open.set(P('y'), 'still-open');
    assert.equal((await open.get(P('y'))).value, 'still-open');
    // a key that is not the certificate's, and an unreadable file: errors, the last good one stays
    const other = certs.server();
    const errs = a.reloadClientTls([() => ({ ...tlsFiles(next), key: readFileSync(other.key) }), undefined]);
    assert.equal(errs.length, 1);
    assert.match(errs[0]!, /key values mismatch/);
    assert.match(
      a.reloadClientTls([
        () => {
          throw new Error('/nonexistent.pem: ENOENT');
        },
        undefined,
      ])[0]!,
      /ENOENT/,
    );
    assert.match(a.reloadClientTls([undefined, undefined])[0]!, /restart/);
    assert.equal(await servedCert(port, me), fingerprint(next));
    assert.equal((await open.get(P('y'))).value, 'still-open');
  });
});
