// The REAL Python DistKV 0.57.4 client library and CLI against OUR server (the key acceptance of
// the client protocol), and the same library script against the real Python server: both
// servers must give the same answers (tock values aside, which count every message a server
// ever sent).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from '../../store/files.js';
import { listenTcp, MemoryLogger, RealClock } from '../../lib/runtime/index.js';
import { DistkvServer } from '../../lib/server.js';
import {
  distkvPyAvailable,
  distkvPyClient,
  distkvPyDir,
  runCommand,
  runPyScript,
  serfAvailable,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
} from './peers.js';

const SCRIPT = join(import.meta.dirname, 'distkv-py-client-script.py');

async function startOurs(name = 'test1', init = 'initial_value'): Promise<{ server: DistkvServer; port: number }> {
  const logger = new MemoryLogger();
  const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
  const server = new DistkvServer({ name, clock: new RealClock(), logger, clientTransport: transport, init });
  assert.equal(await server.start(), 'serving');
  return { server, port: transport.localAddr().port };
}

async function runScript(port: number): Promise<[string, unknown][]> {
  const r = await runCommand(join(distkvPyDir(), 'bin/distkv-py-python'), [SCRIPT, String(port)], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `script failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as [string, unknown]);
}

/** The library script against a fresh server of ours, run once and shared by two cases. */
let oursScript: Promise<[string, unknown][]> | undefined;
function scriptAgainstOurs(): Promise<[string, unknown][]> {
  oursScript ??= (async () => {
    const { server, port } = await startOurs();
    try {
      return await runScript(port);
    } finally {
      await server.stop();
    }
  })();
  return oursScript;
}

describe('interop: the real Python DistKV client against our server', function () {
  this.timeout(180_000);
  let ours: { server: DistkvServer; port: number };

  before(async function () {
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED: Python DistKV peer not installed at ${distkvPyDir()} (run scripts/setup-peers.sh)`);
      this.skip();
    }
    ours = await startOurs();
  });
  after(async () => {
    await ours?.server.stop();
    await stopAllPeers();
  });

  it('CLI: set -v / set -e / get / get -rd / list / delete work unchanged', async () => {
    const cli = (...a: string[]): Promise<string> => distkvPyClient(ours.port, a);
    await cli('data', 'cli.greeting', 'set', '-v', ':', 'Hi there');
    await cli('data', 'cli.n', 'set', '-e', ':', '42');
    assert.equal(await cli('data', 'cli.greeting', 'get'), "'Hi there'\n");
    assert.equal(await cli('data', 'cli', 'get', '-rd', '_'), 'greeting:\n  _: Hi there\nn:\n  _: 42\n');
    assert.equal(await cli('data', 'cli', 'list'), '- !P greeting\n- !P n\n');
    await cli('data', 'cli.n', 'delete');
    // the root value that -I set is there too
    assert.equal(await cli('data', ':', 'get', '-rd', '_'), "_: initial_value\ncli:\n  greeting:\n    _: Hi there\n");
  });

  it('CLI: log save / log dest / log stop write DistKV record files on our server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distkv-py-cli-'));
    try {
      const snap = join(dir, 'snap.dkv');
      const log = join(dir, 'log.dkv');
      await distkvPyClient(ours.port, ['log', 'save', snap]);
      await distkvPyClient(ours.port, ['log', 'dest', '-i', log]);
      await distkvPyClient(ours.port, ['data', 'logged.k', 'set', '-v', ':', 'v']);
      await distkvPyClient(ours.port, ['log', 'stop']);
      const s = readFile(readFileSync(snap));
      assert.equal(s.records[0]!.kind, 'state');
      assert.ok(s.records.some((r) => r.kind === 'update' && r.path.length === 0 && (r.msg as Record<string, unknown>).value === 'initial_value'));
      const l = readFile(readFileSync(log));
      const upd = l.records.filter((r) => r.kind === 'update');
      assert.deepEqual(
        upd.map((r) => r.path.toString()),
        ['logged.k'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('library: set/get/conditions/get_tree/list/delete/get_state/watch give the expected answers', async () => {
    {
      const out = new Map(await scriptAgainstOurs());
      assert.deepEqual(out.get('hello'), { qlen: 10, version: [0, 57, 4] });
      assert.deepEqual(out.get('set new'), { chain: { node: 'test1', prev: null, tick: 2 }, changed: true, tock: 'T' });
      assert.deepEqual(out.get('set again'), { chain: { node: 'test1', prev: null, tick: 3 }, changed: true, prev: { s: 'hi', x: 1 }, tock: 'T' });
      assert.deepEqual(out.get('get'), { chain: { node: 'test1', prev: null, tick: 3 }, tock: 'T', value: [1, 2.5, null, true, ['b', '00ff']] });
      assert.deepEqual(out.get('get missing'), { tock: 'T' });
      assert.deepEqual(out.get('get missing nchain'), { chain: null, tock: 'T' });
      for (const k of ['set chain=None on existing', 'set wrong chain', 'set wrong prev', 'delete wrong prev'])
        assert.deepEqual(out.get(k), ['error', 'ServerError'], k);
      assert.deepEqual(out.get('set idem'), { changed: false, tock: 'T' });
      assert.deepEqual(out.get("get_tree [('max_depth', 2), ('min_depth', 2)]"), [
        { path: ['P', 'b.c'], tock: 'T', value: 't.b.c' },
        { path: ['P', 'b.e'], tock: 'T', value: 't.b.e' },
      ]);
      assert.deepEqual(out.get('list'), ['a', 'b', 'f']);
      assert.deepEqual(out.get('get_state keys'), ['nodes', 'known', 'present', 'deleted', 'missing', 'remote_missing', 'node', 'tock', 'seq']);
      const w = out.get('watch') as Record<string, unknown>[];
      assert.deepEqual(
        w.map((m) => (m.state as string) ?? (m.path as string[])[1]),
        ['t.b', 't.b.c', 't.b.c.d', 't.b.e', 'uptodate', 't.b.c.d'],
      );
      assert.equal(w.at(-1)!.value, 'changed');
    }
  });

  it('library: the same script against the Python server and ours gives the same answers', async function () {
    if (!serfAvailable()) {
      console.warn('SKIPPED (this case): no serf binary for the Python server');
      this.skip();
    }
    const agent = await startSerfAgent({ node: 'cmp-a' });
    const py = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'initial_value', verbosity: 0 });
    try {
      const [theirs, mine] = await Promise.all([runScript(py.clientPort), scriptAgainstOurs()]);
      assert.deepEqual(
        mine.map(([k]) => k),
        theirs.map(([k]) => k),
      );
      const differ = mine.filter(([k, v], i) => JSON.stringify(v) !== JSON.stringify(theirs[i]![1]) && !KNOWN_DIFFERENCES.has(k));
      assert.deepEqual(differ, [], `differences:\n${differ.map(([k, v]) => `${k}:\n  ours   ${JSON.stringify(v)}\n  python ${JSON.stringify(new Map(theirs).get(k))}`).join('\n')}`);
    } finally {
      await py.stop();
      await agent.stop();
    }
  });
});

/** Steps where we differ on purpose (docs/client-protocol.md says why). */
const KNOWN_DIFFERENCES = new Set<string>([]);

export { runPyScript };
