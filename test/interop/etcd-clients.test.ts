// Real etcd v2 clients against our front-end: `ETCDCTL_API=2 etcdctl` (Debian etcd-client) runs
// the same commands against real etcd and against ours and must print the same; node-etcd (npm)
// does set/get/mkdir/create/compareAndSwap/del/rmdir/watch.
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { RealClock } from '../../lib/runtime/clock.js';
import { startEtcdFrontend, type EtcdFrontend } from '../../lib/etcd/index.js';
import { Store } from '../../store/store.js';
import { delay, etcdAvailable, resolvesWithin, etcdctl, ETCDCTL_BIN, runCommand, startEtcd, type EtcdServer } from './peers.js';

/** etcdctl's output and exit, for failing commands too (stderr with the etcd error). */
async function ctl(url: string, args: string[]): Promise<string> {
  const r = await runCommand(ETCDCTL_BIN, [`--endpoints=${url}`, ...args], { env: { ...process.env, ETCDCTL_API: '2' }, timeoutMs: 15_000 });
  return `exit ${r.code}\n${r.stdout}${r.stderr}`.replace(/\[\d+\]/g, '[i]').replace(/index":\d+/g, 'index":i');
}

const SCRIPT: string[][] = [
  ['set', '/foo', 'bar'],
  ['get', '/foo'],
  ['mk', '/new', 'v'],
  ['mk', '/new', 'v'],
  ['update', '/new', 'w'],
  ['update', '/missing', 'w'],
  ['set', '--swap-with-value', 'w', '/new', 'x'],
  ['set', '--swap-with-value', 'nope', '/new', 'y'],
  ['mkdir', '/dir'],
  ['set', '/dir/a', '1'],
  ['set', '/dir/sub/b', '2'],
  ['ls', '--sort', '/'],
  ['ls', '--sort', '--recursive', '/dir'],
  ['ls', '--sort', '-p', '/dir'],
  ['get', '/dir'],
  ['rm', '/dir'],
  ['rmdir', '/dir'],
  ['rm', '--recursive', '/dir'],
  ['get', '/dir/a'],
  ['rm', '--with-value', 'nope', '/foo'],
  ['rm', '/foo'],
  ['get', '/foo'],
  ['mkdir', '/ttl', '--ttl', '20'],
  ['setdir', '/ttl'],
  ['updatedir', '/ttl', '--ttl', '30'],
  ['rmdir', '/ttl'],
  ['-o', 'json', 'get', '/new'],
];

describe('etcd v2 clients against our front-end', function () {
  this.timeout(90_000);
  let etcd: EtcdServer | undefined;
  let ours: EtcdFrontend | undefined;

  before(async function () {
    if (!etcdAvailable()) {
      console.warn('SKIPPED etcd-clients: no etcd/etcdctl binary (install Debian etcd-server + etcd-client)');
      this.skip();
    }
    const store = new Store('etcd-clients', { tick: 0 });
    ours = await startEtcdFrontend({ store, clock: new RealClock(), port: 0 });
  });

  after(async () => {
    await ours?.close();
    await etcd?.kill();
  });

  it('etcdctl (v2): the same commands print the same against real etcd and ours', async () => {
    etcd = await startEtcd();
    for (const args of SCRIPT) {
      const [theirs, mine]: string[] = await Promise.all([ctl(etcd.clientUrl, args), ctl(ours!.url, args)]);
      assert.equal(normalizeJson(mine), normalizeJson(theirs), `etcdctl ${args.join(' ')}`);
    }
  });

  it('etcdctl (v2) watch sees a set', async () => {
    const w = ctl(ours!.url, ['watch', '/watched']);
    await delay(500);
    await etcdctl(ours!.url, ['set', '/watched', 'hello'], { v2: true });
    assert.equal(await w, 'exit 0\nhello\n');
  });

  it('node-etcd: set/get/mkdir/create/compareAndSwap/del/rmdir/watcher', async function () {
    let Etcd: new (hosts: string[]) => NodeEtcd;
    try {
      Etcd = createRequire(import.meta.url)('node-etcd');
    } catch {
      console.warn('SKIPPED node-etcd part: `npm install -D node-etcd` (devDependency) is not installed');
      this.skip();
    }
    const c = new Etcd([ours!.url.replace('http://', '')]);
    const call = <T>(f: (cb: (err: unknown, body: T, headers: Record<string, string>) => void) => void) =>
      new Promise<{ body: T; headers: Record<string, string> }>((resolve, reject) => f((err, body, headers) => (err ? reject(err) : resolve({ body, headers }))));
    const set = await call<EtcdBody>((cb) => c.set('ne/key', 'value', cb));
    assert.equal(set.body.action, 'set');
    assert.equal(set.body.node.value, 'value');
    assert.ok(Number(set.headers['x-etcd-index']) >= set.body.node.modifiedIndex!);
    const got = await call<EtcdBody>((cb) => c.get('ne/key', cb));
    assert.equal(got.body.node.value, 'value');
    await call<EtcdBody>((cb) => c.mkdir('ne/dir', cb));
    const q1 = await call<EtcdBody>((cb) => c.create('ne/queue', 'first', cb));
    const q2 = await call<EtcdBody>((cb) => c.create('ne/queue', 'second', cb));
    assert.ok(q1.body.node.key! < q2.body.node.key!);
    assert.match(q1.body.node.key!, /^\/ne\/queue\/\d{20}$/);
    const cas = await call<EtcdBody>((cb) => c.compareAndSwap('ne/key', 'value2', 'value', cb));
    assert.equal(cas.body.action, 'compareAndSwap');
    await assert.rejects(call((cb) => c.compareAndSwap('ne/key', 'x', 'wrong', cb)), (e: { errorCode?: number }) => e.errorCode === 101);
    const list = await call<EtcdBody>((cb) => c.get('ne', { recursive: true, sorted: true }, cb));
    assert.deepEqual(
      list.body.node.nodes!.map((n) => n.key),
      ['/ne/dir', '/ne/key', '/ne/queue'],
    );
    const watcher = c.watcher('ne/watched');
    const seen = new Promise<EtcdBody>((resolve) => watcher.on('change', resolve));
    await delay(200);
    await call((cb) => c.set('ne/watched', 'w', cb));
    const ev = await resolvesWithin(seen, 5000);
    watcher.stop();
    assert.ok(ev, 'watcher saw the change');
    assert.equal(ev.node.value, 'w');
    await call((cb) => c.del('ne/key', cb));
    await call((cb) => c.rmdir('ne/dir', cb));
    await assert.rejects(call((cb) => c.get('ne/key', cb)), (e: { errorCode?: number }) => e.errorCode === 100);
  });
});

function normalizeJson(s: string): string {
  return s.replace(/"(modifiedIndex|createdIndex)":\d+/g, '"$1":i').replace(/"expiration":"[^"]*"/g, '"expiration":t');
}

interface EtcdNode {
  key?: string;
  value?: string;
  dir?: boolean;
  nodes?: EtcdNode[];
  modifiedIndex?: number;
}
interface EtcdBody {
  action: string;
  node: EtcdNode;
}
type Cb = (err: unknown, body: never, headers: Record<string, string>) => void;
interface NodeEtcd {
  set(k: string, v: string, cb: Cb): void;
  get(k: string, cb: Cb): void;
  get(k: string, o: object, cb: Cb): void;
  mkdir(k: string, cb: Cb): void;
  create(k: string, v: string, cb: Cb): void;
  compareAndSwap(k: string, v: string, old: string, cb: Cb): void;
  del(k: string, cb: Cb): void;
  rmdir(k: string, cb: Cb): void;
  watcher(k: string): { on(ev: 'change', f: (b: EtcdBody) => void): void; stop(): void };
}
