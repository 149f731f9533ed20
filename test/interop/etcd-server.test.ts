// `distkv server --etcd-addr`: the etcd v2 front-end on a real server process. A write through
// etcd is read by the native DistKV client and the other way round; an etcd watch sees a native
// write. (Single node: replication between servers is not wired into lib/server.ts yet.)
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { freePort, runCommand, spawnPeer, waitForOutput, type PeerProcess } from './peers.js';

const CLI = fileURLToPath(new URL('../../lib/cli.ts', import.meta.url));
const node = (args: string[]) => runCommand(process.execPath, ['--import', 'tsx', CLI, ...args], { timeoutMs: 20_000 });

describe('distkv server --etcd-addr', function () {
  this.timeout(60_000);
  let srv: PeerProcess | undefined;
  let etcdUrl = '';
  let clientPort = 0;

  before(async () => {
    clientPort = await freePort();
    const etcdPort = await freePort();
    etcdUrl = `http://127.0.0.1:${etcdPort}`;
    srv = spawnPeer(process.execPath, ['--import', 'tsx', CLI, 'server', '-I', 'root', '--client-addr', `127.0.0.1:${clientPort}`, '--etcd-addr', `127.0.0.1:${etcdPort}`, 'etcdsrv']);
    await waitForOutput(srv, /Running\./, 30_000, 'distkv server running');
  });

  after(async () => {
    await srv?.stop();
  });

  it('etcd writes are DistKV values under "etcd", and native writes are etcd keys', async () => {
    const put = await fetch(`${etcdUrl}/v2/keys/app/color`, { method: 'PUT', body: 'value=blue', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(put.status, 201);
    await put.text();
    const got = await node(['client', '-p', String(clientPort), 'data', 'etcd.app.color', 'get']);
    assert.equal(got.stdout.trim(), "'blue'", got.stderr);

    const watch = fetch(`${etcdUrl}/v2/keys/app?wait=true&recursive=true`);
    const set = await node(['client', '-p', String(clientPort), 'data', 'etcd.app.size', 'set', '-v', ':', 'large']);
    assert.equal(set.code, 0, set.stderr);
    const ev = (await (await watch).json()) as { action: string; node: { key: string; value: string } };
    assert.deepEqual([ev.action, ev.node.key, ev.node.value], ['set', '/app/size', 'large']);
    const r = (await (await fetch(`${etcdUrl}/v2/keys/app?sorted=true`)).json()) as { node: { nodes: { key: string; value: string }[] } };
    assert.deepEqual(
      r.node.nodes.map((n) => [n.key, n.value]),
      [
        ['/app/color', 'blue'],
        ['/app/size', 'large'],
      ],
    );
  });
});
