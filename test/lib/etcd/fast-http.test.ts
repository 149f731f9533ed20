// The fast HTTP/1.1 path in front of node:http: pipelined and split requests, handing a
// connection over to node:http (watches, odd requests) with its unread bytes, Connection: close,
// and random bytes in random pieces never taking the server down.
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { startEtcdFrontend, type EtcdFrontend } from '../../../lib/etcd/index.js';
import { RealClock } from '../../../lib/runtime/clock.js';
import { Store } from '../../../store/store.js';

const put = (key: string, value: string) =>
  `PUT /v2/keys${key} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${6 + Buffer.byteLength(value)}\r\n\r\nvalue=${value}`;
const get = (key: string) => `GET /v2/keys${key} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** A raw connection that collects what comes back. */
function raw(port: number): { s: Socket; text: () => string; closed: Promise<void> } {
  const s = connect(port, '127.0.0.1');
  let out = '';
  s.on('data', (d) => (out += d.toString('utf8')));
  s.on('error', () => {});
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  return { s, text: () => out, closed };
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const statuses = (t: string) => [...t.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => Number(m[1]));

describe('lib/etcd/fast-http', function () {
  this.timeout(30_000);
  let f: EtcdFrontend;
  const open: Socket[] = [];
  before(async () => {
    f = await startEtcdFrontend({ store: new Store('f', { tick: 0 }), clock: new RealClock(), port: 0 });
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.destroy();
  });
  after(() => f.close());

  it('pipelined requests in one write are answered in order, one response each', async () => {
    const c = raw(f.port);
    open.push(c.s);
    c.s.write(put('/p/a', '1') + put('/p/a', '2') + get('/p/a') + get('/p/nope'));
    await until(() => statuses(c.text()).length === 4, 'four responses');
    assert.deepEqual(statuses(c.text()), [201, 200, 200, 404]);
    assert.match(c.text(), /"value":"2"/);
    assert.match(c.text(), /X-Etcd-Index: \d+\r\nX-Raft-Index: \d+\r\nX-Raft-Term: 1\r\n/);
  });

  it('a request split into single bytes is still read whole', async () => {
    const c = raw(f.port);
    open.push(c.s);
    for (const ch of put('/split', 'é+ü')) {
      c.s.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => statuses(c.text()).length === 1, 'a response');
    const body = c.text().slice(c.text().indexOf('\r\n\r\n') + 4);
    assert.equal((JSON.parse(body) as { node: { value: string } }).node.value, 'é ü');
  });

  it('a watch hands the connection to node:http, which then serves the rest of it', async () => {
    const c = raw(f.port);
    open.push(c.s);
    c.s.write(get('/w') + `GET /v2/keys/w?wait=true HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => statuses(c.text()).length === 2, 'the 404 and the watch headers');
    const w = raw(f.port);
    open.push(w.s);
    w.s.write(put('/w', 'hello'));
    await until(() => c.text().includes('"hello"'), 'the watch event');
    c.s.write(get('/w'));
    await until(() => statuses(c.text()).length === 3, 'a third answer');
    assert.deepEqual(statuses(c.text()), [404, 200, 200]);
    assert.match(c.text(), /Keep-Alive: timeout=/); // node:http's own header: it answered the last one
  });

  it('the fast path and node:http answer alike (headers in order, body), but for node\'s keep-alive headers', async () => {
    const seed = raw(f.port);
    open.push(seed.s);
    seed.s.write(put('/same/k', 'v') + `PUT /v2/keys/same/k?prevValue=nope HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
    await until(() => statuses(seed.text()).length === 2, 'seeded');
    const parse = (t: string) => {
      const [head, body] = t.split('\r\n\r\n') as [string, string];
      const lines = head.split('\r\n').filter((l) => !/^(date|connection|keep-alive|transfer-encoding):/i.test(l));
      return { lines, body };
    };
    for (const req of ['GET /v2/keys/same/k', 'GET /v2/keys/same?recursive=true', 'GET /v2/keys/same/nope', 'DELETE /v2/keys/same?dir=maybe', 'PATCH /v2/keys/same']) {
      const fast = raw(f.port);
      const slow = raw(f.port);
      open.push(fast.s, slow.s);
      fast.s.write(`${req} HTTP/1.1\r\nHost: x\r\n\r\n`);
      // a chunked (empty) body is not the fast path's: node:http answers this one
      slow.s.write(`${req} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
      await until(() => /\r\n\r\n[^]*\n/.test(fast.text()) && /\r\n\r\n[^]*\n/.test(slow.text()), req);
      assert.deepEqual(parse(fast.text()), parse(slow.text()), req);
      assert.doesNotMatch(fast.text(), /Keep-Alive/);
      assert.match(slow.text(), /Keep-Alive/);
    }
  });

  it('Connection: close ends the connection after the answer', async () => {
    const c = raw(f.port);
    c.s.write(`GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    await c.closed;
    assert.deepEqual(statuses(c.text()), [200]);
  });

  it('big headers as Go takes them (served up to 1 MiB, 431 beyond); a huge body that is no form is ignored', async () => {
    const c = raw(f.port);
    open.push(c.s);
    c.s.write(`GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`);
    await until(() => statuses(c.text()).length === 1, 'an answer');
    assert.deepEqual(statuses(c.text()), [200]);
    const d = raw(f.port);
    d.s.write(`GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(1_100_000)}\r\n\r\n`);
    await d.closed;
    assert.ok([400, 431].includes(statuses(d.text())[0]!), d.text().slice(0, 80));
    const r = await fetch(`${f.url}/v2/keys/hb?value=q`, { method: 'PUT', body: 'z'.repeat(11 << 20), headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r.status, 201);
    assert.equal(((await r.json()) as { node: { value: string } }).node.value, 'q');
  });

  it('random bytes in random pieces, after a valid request: no crash, the server answers after', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(...['\r\n', '\r\n\r\n', 'Content-Length: 5', 'Host: x', 'PUT /v2/keys/z HTTP/1.1', ': ', '%zz'].map((s) => Buffer.from(s))))),
        async (pieces) => {
          const c = raw(f.port);
          open.push(c.s);
          c.s.write(get('/'));
          for (const p of pieces) c.s.write(p);
          c.s.end();
          await Promise.race([c.closed, new Promise((r) => setTimeout(r, 300))]);
          c.s.destroy();
          assert.ok(statuses(c.text()).every((s) => s < 500), c.text());
        },
      ),
      { numRuns: 60 },
    );
    const r = await fetch(`${f.url}/v2/keys/`);
    assert.equal(r.status, 200);
    await r.text();
  });
});
