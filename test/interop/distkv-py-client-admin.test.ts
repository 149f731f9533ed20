// The same Python-client admin script (save, msg_send/msg_monitor, password users, an ACL,
// test_acl, logins allowed and refused, auth off) against the real Python server and against
// ours as a `distkv server` process (it needs Serf for the messages): same answers, tocks aside.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distkvPyAvailable, distkvPyDir, runCommand, serfAvailable, startDistkvPy, startSerfAgent, stopAllPeers } from './peers.js';
import { startOurServer } from './distkv-server-helpers.js';

const SCRIPT = join(import.meta.dirname, 'distkv-py-client-admin-script.py');

async function runScript(port: number, saveFile: string): Promise<[string, unknown][]> {
  const r = await runCommand(join(distkvPyDir(), 'bin/distkv-py-python'), [SCRIPT, String(port), saveFile], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, `script failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as [string, unknown]);
}

describe('interop: python client admin script, python server vs ours', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'distkv-py-admin-'));

  before(function () {
    if (!distkvPyAvailable() || !serfAvailable()) {
      console.warn(`SKIPPED: needs the Python DistKV peer (${distkvPyDir()}) and serf (run scripts/setup-peers.sh)`);
      this.skip();
    }
  });
  after(async () => {
    await stopAllPeers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('save, msg, users, ACL, logins: the same answers from both servers', async () => {
    const agent = await startSerfAgent({ node: 'adm-a' });
    const py = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'initial_value', verbosity: 0 });
    const ours = await startOurServer('test1', ['-I', 'initial_value']);
    const [theirs, mine] = await Promise.all([runScript(py.clientPort, join(dir, 'py.dkv')), runScript(ours.clientPort, join(dir, 'ours.dkv'))]);
    assert.deepEqual(
      mine.map(([k]) => k),
      theirs.map(([k]) => k),
    );
    // python's ACL error names the entry with its chain; ours leaves the chain out (docs/auth.md)
    const norm = (v: unknown): string => JSON.stringify(v).replace(/@<NodeEvent:<Node: [^>]*> @\d+ \d+>/g, '');
    const differ = mine.filter(([k, v], i) => norm(v) !== norm(theirs[i]![1]));
    assert.deepEqual(differ, [], `differences:\n${differ.map(([k, v]) => `${k}:\n  ours   ${JSON.stringify(v)}\n  python ${JSON.stringify(new Map(theirs).get(k))}`).join('\n')}`);
    // the script's answers themselves, so "equal" is not "equally broken"
    const got = new Map(mine);
    assert.equal(got.get('save file written'), true);
    assert.deepEqual(got.get('msg_monitor'), { topic: ['cmp', 'topic'], data_is_dict: true });
    assert.equal((got.get('limited set one.two') as { changed?: boolean }).changed, true);
    assert.equal((got.get('limited set one.two.three') as unknown[])[0], 'error');
    assert.equal((got.get('admin get one.two') as { value?: unknown }).value, 11);
    assert.deepEqual(got.get('anonymous again'), { tock: 'T', value: 'hello' });
  });
});
