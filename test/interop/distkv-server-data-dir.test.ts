// Our `distkv server` as real processes (issue 12, server process): -data-dir survives kill -9
// in the middle of a stream of acknowledged writes (every acked write is there after the restart,
// and the restarted server converges with a second one); /metrics; SIGHUP reloads tags and the
// log level from the config file; SIGTERM leaves the cluster, closes the log cleanly, exits 0.
import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistkvClient } from '../../lib/client/client.js';
import { SerfRpcClient } from '../../lib/serf-rpc/client.js';
import { asString, GoMap, textDecoder, type GoValue } from '../../gossip/msgpack-go.js';
import { readFile as readDkv } from '../../store/files.js';
import { Path } from '../../store/path.js';
import { startOurServer, type OurServer } from './distkv-server-helpers.js';
import { treeOf, treeText, withClient } from './distkv-cluster-ops.js';
import { freePort, stopAllPeers, waitFor } from './peers.js';

describe('distkv server process: -data-dir after kill -9, /metrics, SIGHUP, SIGTERM', function () {
  this.timeout(180_000);
  let tmp: string;
  let cfg: string;
  let a: OurServer;
  let b: OurServer;
  let aPort: number;
  let aBind: string;
  let metricsPort: number;
  let rpcPort: number;
  const aArgs = (extra: string[]) => ['-data-dir', join(tmp, 'a'), '-c', cfg, '-metrics-addr', `127.0.0.1:${metricsPort}`, ...extra];
  const writeCfg = (role: string, level: string) => writeFile(cfg, `# DistKV's shape\nserver:\n  buffer: 10\nserf:\n  tags:\n    role: ${role}\nlogging:\n  level: ${level}\n`);

  /** B's view of A through its Serf RPC: status and tags. */
  const memberA = async (): Promise<{ status: string; tags: Record<string, string> } | undefined> => {
    const c = await SerfRpcClient.connect('127.0.0.1', rpcPort);
    try {
      const all = (await c.ok('members')) as GoMap;
      const text = (v: GoValue | undefined) => (v instanceof Uint8Array ? textDecoder.decode(v) : String(v));
      for (const m of all.get('Members') as GoMap[]) {
        if (asString(m.get('Name'), 'Name') !== 'dA') continue;
        const tags: Record<string, string> = {};
        const t = m.get('Tags');
        if (t instanceof GoMap) for (const [k, v] of t.entries) tags[text(k)] = text(v);
        return { status: text(m.get('Status')), tags };
      }
      return undefined;
    } finally {
      c.close();
    }
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dkv-server-dd-'));
    cfg = join(tmp, 'distkv.yaml');
    await writeCfg('one', 'info');
    [aPort, metricsPort, rpcPort] = [await freePort(), await freePort(), await freePort()];
    aBind = `127.0.0.1:${await freePort()}`;
    a = await startOurServer('dA', aArgs(['-I', 'hello']), { clientPort: aPort, bind: aBind, timeoutMs: 60_000 });
    b = await startOurServer('dB', ['-join', a.bind, '-rpc-addr', `127.0.0.1:${rpcPort}`], { timeoutMs: 60_000 });
  });

  after(async () => {
    await stopAllPeers();
    await rm(tmp, { recursive: true, force: true });
  });

  it('kill -9 mid-stream: every acknowledged write is there after the restart, which converges with the 2nd server', async () => {
    const c = await DistkvClient.connect({ host: '127.0.0.1', port: aPort, timeoutMs: 10_000 });
    const acked: number[] = [];
    let i = 0;
    let killed = false;
    const writer = async (): Promise<void> => {
      while (!killed) {
        const k = i++;
        try {
          await c.set(Path.parse(`w.${k}`), `v${k}`);
          acked.push(k); // an ack that arrives is an ack, also one racing the kill
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const writers = Array.from({ length: 16 }, writer);
    await waitFor(() => acked.length >= 400, 60_000, '400 acked writes');
    await a.kill();
    killed = true;
    await Promise.all(writers);
    c.close();
    assert.ok(i > acked.length, 'some writes were in flight at the kill');
    a = await startOurServer('dA', aArgs(['-join', b.bind]), { clientPort: aPort, bind: aBind, timeoutMs: 60_000 });
    const tree = await treeOf(aPort);
    const missing = acked.filter((k) => tree[`w.${k}`] !== `v${k}`);
    assert.deepEqual(missing, [], `acked writes lost (${acked.length} acked, ${i} sent)`);
    assert.equal(tree[''], 'hello');
    assert.match(a.logs(), /data-dir: restored/);
    // both sides write after the restart; then they hold the same tree
    await withClient(aPort, (x) => x.set(Path.parse('after.a'), 'from-a'));
    await withClient(b.clientPort, (x) => x.set(Path.parse('after.b'), 'from-b'));
    let last = ['', ''];
    try {
      await waitFor(
        async () => {
          last = [treeText(await treeOf(aPort)), treeText(await treeOf(b.clientPort))];
          return last[0] === last[1] && last[0].includes('from-a') && last[0].includes('from-b');
        },
        60_000,
        'A and B converge',
        250,
      );
    } catch (e) {
      console.log(`A ${last[0].slice(0, 2000)}\nB ${last[1].slice(0, 2000)}\n${a.logs().slice(-3000)}`);
      throw e;
    }
  });

  it('/metrics: memberlist/Serf names and distkv counters in the text format', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    assert.ok(value('serf_member_join') >= 1, text);
    assert.ok(value('memberlist_msg_alive') >= 0);
    assert.ok(value('distkv_client_commands') >= 1);
    assert.ok(value('distkv_entries') >= 3);
    assert.ok(value('distkv_datadir_fsyncs') >= 1);
    assert.match(text, /^# TYPE serf_events counter$/m);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status, 404);
  });

  it('SIGHUP: tags and log level reloaded from the config file, the rest kept', async () => {
    await waitFor(async () => (await memberA())?.tags.role === 'one', 30_000, 'B sees role=one');
    await writeCfg('two', 'debug');
    a.proc.kill('SIGHUP');
    await waitFor(async () => (await memberA())?.tags.role === 'two', 30_000, 'B sees role=two');
    await waitFor(() => /SIGHUP: configuration reloaded/.test(a.logs()), 10_000, 'reload logged');
    assert.ok((await memberA())?.tags['dkv-client'], 'our client-address tag stays');
    await waitFor(() => /\[DEBUG\]/.test(a.logs()), 30_000, 'debug lines once the level is debug');
    assert.equal(a.proc.exitCode, null, 'still running');
  });

  it('SIGTERM: leaves the cluster, ends the change log with its trailer, exits 0', async () => {
    a.proc.kill('SIGTERM');
    const { code } = await a.exited;
    assert.equal(code, 0, a.logs().slice(-2000));
    await waitFor(async () => (await memberA())?.status === 'left', 30_000, 'B sees dA left');
    const dir = join(tmp, 'a');
    const logs = (await readdir(dir)).filter((f) => f.endsWith('.log.dkv')).sort();
    const last = await readFile(join(dir, logs.at(-1)!));
    const { summary } = readDkv(last, { requireChecked: true });
    assert.equal(summary.complete, true);
    assert.ok(!(await readdir(dir)).includes('LOCK'), 'lock released');
  });
});
