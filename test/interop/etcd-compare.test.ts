// The same etcd v2 requests against real etcd 3.4 (--enable-v2) and against our front-end: status,
// errorCode/message/cause, action, node shape and values must match; indexes are compared
// relative to the X-Etcd-Index before each case, expirations only for presence.
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { RealClock } from '../../lib/runtime/clock.js';
import { startEtcdFrontend, type EtcdFrontend } from '../../lib/etcd/index.js';
import { Store } from '../../store/store.js';
import { CASES, type Case, type PathFn, type Step } from './etcd-compare-cases.js';
import { delay, etcdAvailable, resolvesWithin, startEtcd, type EtcdServer } from './peers.js';

interface Observed {
  step: string;
  status: number;
  headers: Record<string, string | boolean>;
  body: unknown;
}

const resolve = (p: PathFn, b: number) => (typeof p === 'function' ? p(b) : p);

/** Indexes relative to `b`; in-order key names likewise; expirations reduced to their presence. */
function normalize(v: unknown, b: number, loose: boolean): unknown {
  const rel = (n: number) => (loose ? 'i' : n === 0 ? 0 : n - b);
  const fixKey = (k: string) => k.replace(/\/(\d{20})(?=\/|$)/g, (_m, d: string) => `/<seq ${Number(d) - b}>`);
  if (Array.isArray(v)) {
    const arr = v.map((x) => normalize(x, b, loose));
    return arr.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if ((k === 'modifiedIndex' || k === 'createdIndex' || k === 'index') && typeof x === 'number') out[k] = rel(x);
      else if (k === 'expiration') out[k] = '<time>';
      else if (k === 'key' && typeof x === 'string') out[k] = fixKey(x);
      else if (k === 'cause' && typeof x === 'string') out[k] = fixKey(x).replace(/\b\d+\b/g, (d) => (Number(d) >= b && b > 0 ? `#${rel(Number(d))}` : d));
      else out[k] = normalize(x, b, loose);
    }
    return out;
  }
  return v;
}

/** Sends `bytes`, half-closes, returns the status line and the body as the server sent them. */
function rawExchange(port: number, bytes: string): Promise<{ status: string; body: string }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      const cut = out.indexOf('\r\n\r\n');
      resolve({ status: out.split('\r\n')[0]!, body: cut < 0 ? '' : out.slice(cut + 4) });
    };
    s.on('data', (d) => (out += d.toString('utf8')));
    s.on('close', done);
    s.on('error', () => {});
    s.setTimeout(5000, () => s.destroy());
    s.end(bytes);
  });
}

async function currentIndex(url: string): Promise<number> {
  const r = await fetch(`${url}/v2/keys/`);
  await r.text();
  return Number(r.headers.get('x-etcd-index'));
}

async function observe(label: string, r: Response, b: number, loose: boolean): Promise<Observed> {
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text === '' ? '' : JSON.parse(text);
  } catch {
    // keep the text
  }
  const h = r.headers;
  const idx = h.get('x-etcd-index');
  const headers: Record<string, string | boolean> = {
    'content-type': h.get('content-type') ?? '',
    'x-etcd-index': idx === null ? 'absent' : loose ? 'i' : String(Number(idx) === 0 ? 0 : Number(idx) - b),
    'x-raft-index': h.has('x-raft-index'),
    'x-raft-term': h.has('x-raft-term'),
    'x-etcd-cluster-id': h.has('x-etcd-cluster-id'),
  };
  return { step: label, status: r.status, headers, body: normalize(body, b, loose) };
}

async function runCase(url: string, c: Case): Promise<Observed[]> {
  const b = await currentIndex(url);
  const out: Observed[] = [];
  const watches = new Map<string, { label: string; res: Promise<Response> }>();
  for (const s of c.steps as Step[]) {
    if ('sleep' in s) await delay(s.sleep);
    else if ('watch' in s) {
      const p = resolve(s.watch, b);
      watches.set(s.as, { label: `watch ${resolve(s.watch, 0)}`, res: fetch(`${url}/v2/keys${p}`, { signal: AbortSignal.timeout(10_000) }) });
    } else if ('await' in s) {
      const w = watches.get(s.await)!;
      const r = await resolvesWithin(w.res, 8000);
      if (!r) throw new Error(`${c.name}: ${w.label} got no event`);
      out.push(await observe(w.label, r, b, s.looseIndex ?? false));
    } else {
      const p = resolve(s.path, b);
      const init: RequestInit = { method: s.m, signal: AbortSignal.timeout(10_000) };
      if (s.form || s.raw !== undefined) {
        init.body = s.raw ?? new URLSearchParams(s.form).toString();
        init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
      }
      const r = await fetch(`${url}/v2/keys${p}`, init);
      out.push(await observe(`${s.m} ${resolve(s.path, 0)} ${init.body ?? ''}`, r, b, s.looseIndex ?? false));
    }
  }
  return out;
}

describe('etcd v2 API: real etcd vs ours, same requests', function () {
  this.timeout(120_000);
  let etcd: EtcdServer | undefined;
  let ours: EtcdFrontend | undefined;

  before(async function () {
    if (!etcdAvailable()) {
      console.warn('SKIPPED etcd-compare: no etcd/etcdctl binary (install Debian etcd-server + etcd-client)');
      this.skip();
    }
    etcd = await startEtcd();
    const store = new Store('etcd-compare', { tick: 0 });
    ours = await startEtcdFrontend({ store, clock: new RealClock(), port: 0 });
  });

  after(async () => {
    await ours?.close();
    await etcd?.kill();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const [theirs, mine] = await Promise.all([runCase(etcd!.clientUrl, c), runCase(ours!.url, c)]);
      for (let i = 0; i < theirs.length; i++) assert.deepEqual(mine[i], theirs[i], `step ${i}: ${theirs[i]!.step}`);
      assert.equal(mine.length, theirs.length);
    });
  }

  it('small endpoints: same status, content type and JSON shape', async () => {
    const shape = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]).sort()) : typeof v;
    for (const p of ['/version', '/health', '/v2/members', '/v2/stats/store', '/v2/stats/self', '/v2/machines', '/nope', '/v2/keys/a//b']) {
      const get = async (u: string) => {
        const r = await fetch(u + p, { redirect: 'manual' });
        const t = await r.text();
        let body: unknown = t.replace(/http:\/\/127\.0\.0\.1:\d+/g, 'URL');
        if ((r.headers.get('content-type') ?? '').startsWith('application/json')) body = p === '/version' || p === '/health' ? JSON.parse(t) : shape(JSON.parse(t));
        return { status: r.status, type: r.headers.get('content-type'), location: r.headers.get('location'), body };
      };
      const [theirs, mine] = await Promise.all([get(etcd!.clientUrl), get(ours!.url)]);
      if (p === '/v2/stats/self') (theirs.body as Record<string, unknown>).leaderInfo = (mine.body as Record<string, unknown>).leaderInfo;
      // documented difference: we have no Raft peer URLs to list
      if (p === '/v2/members') for (const m of (theirs.body as { members: { peerURLs: unknown }[] }).members) m.peerURLs = [];
      assert.deepEqual(mine, theirs, p);
    }
  });

  it('event history: waitIndex older than the last 1000 events is error 401', async () => {
    const run = async (url: string) => {
      const b = await currentIndex(url);
      for (let i = 0; i < 1010; i += 10)
        await Promise.all(Array.from({ length: 10 }, (_, j) => fetch(`${url}/v2/keys/hist/k${(i + j) % 7}`, { method: 'PUT', body: 'value=v', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).then((r) => r.text())));
      const old = await fetch(`${url}/v2/keys/hist/k1?wait=true&waitIndex=${b + 1}`);
      const recent = await fetch(`${url}/v2/keys/hist/k1?wait=true&waitIndex=${b + 1000}&recursive=true`);
      return [await observe('old', old, b, false), await observe('recent', recent, b, true)];
    };
    const [theirs, mine] = await Promise.all([run(etcd!.clientUrl), run(ours!.url)]);
    assert.deepEqual(mine[0], theirs[0]);
    assert.equal((theirs[0]!.body as { errorCode: number }).errorCode, 401);
    assert.equal(mine[1]!.status, theirs[1]!.status);
  });

  it('bad HTTP on the socket: etcd\'s answer, or 400 where etcd just closes the connection', async () => {
    const host = 'Host: x\r\n';
    const cases = [
      '\x00\x01garbage\r\n\r\n',
      `GET /v2/keys HTTP/9.9\r\n${host}\r\n`,
      `GET /v2/keys/a b HTTP/1.1\r\n${host}\r\n`,
      'GET /v2/keys/a HTTP/1.1\r\n\r\n',
      'GET /version HTTP/1.1\r\n\r\n',
      `PUT /v2/keys/a HTTP/1.1\r\n${host}Content-Length: -5\r\n\r\n`,
      `PUT /v2/keys/a HTTP/1.1\r\n${host}Content-Length: 5\r\nContent-Length: 6\r\n\r\nvalue`,
      `GET / HTTP/1.1\r\n${host}Bad Header\r\n\r\n`,
      `GET v2/keys HTTP/1.1\r\n${host}\r\n`,
      `PATCH /v2/keys/a HTTP/1.1\r\n${host}\r\n`,
      `FOO /v2/keys/a HTTP/1.1\r\n${host}\r\n`,
      `GET /v2/keys/%zz HTTP/1.1\r\n${host}\r\n`,
      `GET /v2/keys/%ff HTTP/1.1\r\n${host}\r\n`,
      `GET /v2/keys/a+b HTTP/1.1\r\n${host}\r\n`,
      `GET /v2/keys/a?x=%zz HTTP/1.1\r\n${host}\r\n`,
      `PUT /v2/keys/te HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n7\r\nvalue=1\r\n0\r\n\r\n`,
    ];
    const json = (t: string) => {
      try {
        const v = JSON.parse(t) as Record<string, unknown>;
        return normalize(v, 0, true);
      } catch {
        return t;
      }
    };
    for (const c of cases) {
      const [theirs, mine] = await Promise.all([rawExchange(etcd!.clientPort, c), rawExchange(ours!.port, c)]);
      if (theirs.status === '') assert.equal(mine.status, 'HTTP/1.1 400 Bad Request', JSON.stringify(c));
      else assert.deepEqual([mine.status, json(mine.body)], [theirs.status, json(theirs.body)], JSON.stringify(c));
    }
  });
});
