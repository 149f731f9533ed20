// The etcd front-end on two replicating `distkv server` processes (lib/node.ts): a write through
// etcd on A is read through etcd on B and through the native client, a watch on B sees a write on
// A, a CAS on B of A's value is seen back on A, and a key set with a TTL on A expires on B
// (an `expire` event there) even when A is gone.
import { strict as assert } from 'node:assert';
import { freePort, stopAllPeers, waitFor } from './peers.js';
import { ourClient, startOurServer, type OurServer } from './distkv-server-helpers.js';

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

async function getValue(url: string, key: string): Promise<string | undefined> {
  const r = await fetch(`${url}/v2/keys${key}`);
  const j = (await r.json()) as { node?: { value?: string } };
  return j.node?.value;
}

describe('interop: etcd v2 on two replicating distkv servers', function () {
  this.timeout(90_000);
  let aUrl = '';
  let bUrl = '';
  let bClient = 0;
  let a: OurServer | undefined;

  before(async () => {
    const ea = await freePort();
    const eb = await freePort();
    aUrl = `http://127.0.0.1:${ea}`;
    bUrl = `http://127.0.0.1:${eb}`;
    a = await startOurServer('etcdA', ['-I', 'hello', '--etcd-addr', `127.0.0.1:${ea}`]);
    const b = await startOurServer('etcdB', ['-join', a.bind, '--etcd-addr', `127.0.0.1:${eb}`]);
    bClient = b.clientPort;
  });

  after(async () => {
    await stopAllPeers();
  });

  it('a write through etcd on A is read through etcd and the native client on B; a watch on B sees it', async () => {
    const watch = fetch(`${bUrl}/v2/keys/svc?wait=true&recursive=true`, { signal: AbortSignal.timeout(30_000) });
    await new Promise((r) => setTimeout(r, 200));
    const put = await fetch(`${aUrl}/v2/keys/svc/web`, { method: 'PUT', body: 'value=10.0.0.1', headers: form });
    assert.equal(put.status, 201);
    await put.text();
    const ev = (await (await watch).json()) as { action: string; node: { key: string; value: string } };
    assert.deepEqual([ev.action, ev.node.key, ev.node.value], ['set', '/svc/web', '10.0.0.1']);
    assert.equal(await getValue(bUrl, '/svc/web'), '10.0.0.1');
    assert.equal(await ourClient(bClient, ['etcd.svc.web', 'get']), "'10.0.0.1'\n");
  });

  it('CAS through etcd on B of A\'s value reaches A', async () => {
    const cas = await fetch(`${bUrl}/v2/keys/svc/web?prevValue=10.0.0.1`, { method: 'PUT', body: 'value=10.0.0.2', headers: form });
    assert.equal(cas.status, 200, await cas.clone().text());
    assert.equal(((await cas.json()) as { action: string }).action, 'compareAndSwap');
    await waitFor(async () => (await getValue(aUrl, '/svc/web')) === '10.0.0.2', 20_000, 'A reads the CAS from B', 200);
  });

  it('a TTL set on A expires on B, also once A is gone', async () => {
    const put = await fetch(`${aUrl}/v2/keys/ttl/k?ttl=3`, { method: 'PUT', body: 'value=short', headers: form });
    assert.equal(put.status, 201);
    await put.text();
    await waitFor(async () => (await getValue(bUrl, '/ttl/k')) === 'short', 20_000, 'B reads the TTL key', 100);
    const got = await fetch(`${bUrl}/v2/keys/ttl/k`);
    const onB = (await got.json()) as { node: { ttl?: number; expiration?: string } };
    assert.ok(onB.node.ttl !== undefined && onB.node.ttl <= 3 && onB.node.expiration, JSON.stringify(onB));
    // from the index of that read on: the expiry is seen even if it comes before the watch does
    const since = Number(got.headers.get('x-etcd-index')) + 1;
    const watch = fetch(`${bUrl}/v2/keys/ttl/k?wait=true&waitIndex=${since}`, { signal: AbortSignal.timeout(30_000) });
    await a!.kill(); // the setter crashes before the time is up
    const ev = (await (await watch).json()) as { action: string; prevNode?: { value?: string } };
    assert.deepEqual([ev.action, ev.prevNode?.value], ['expire', 'short']);
    const gone = await fetch(`${bUrl}/v2/keys/ttl/k`);
    assert.equal(gone.status, 404);
    await gone.text();
  });
});
