// Our `distkv client` prints what the Python DistKV 0.57.4 CLI prints: both CLIs run the same
// commands against one of our servers (data get -r/-rd/list/depth, attribute sets, acl test) and
// their stdout and exit codes must be equal.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { run as ourCli } from '../../lib/commands/client.js';
import { distkvPyAvailable, distkvPyDir, runCommand, stopAllPeers } from './peers.js';
import { startOurServer, type OurServer } from './distkv-server-helpers.js';

describe('interop: our CLI and the Python CLI print the same', function () {
  this.timeout(180_000);
  let srv: OurServer;

  const ours = async (args: string[]): Promise<[number, string]> => {
    let out = '';
    const code = await ourCli(['-p', String(srv.clientPort), ...args], { stdout: (s) => (out += s), stderr: () => undefined });
    return [code, out];
  };
  const theirs = async (args: string[]): Promise<[number, string]> => {
    const r = await runCommand(join(distkvPyDir(), 'bin/distkv-py'), ['client', '-h', '127.0.0.1', '-p', String(srv.clientPort), ...args], { timeoutMs: 60_000 });
    return [r.code ?? -1, r.stdout];
  };

  before(async function () {
    if (!distkvPyAvailable()) {
      console.warn(`SKIPPED: Python DistKV peer not installed at ${distkvPyDir()} (run scripts/setup-peers.sh)`);
      this.skip();
    }
    srv = await startOurServer('par1', ['-I', 'root']);
    for (const a of [
      ['data', 'a.b', 'set', '-v', ':', 'hi'],
      ['data', 'a.c', 'set', '-e', ':', '{"x": 1, "y": [1, 2]}'],
      ['data', 'a.b.d', 'set', '-e', ':', '42'],
      ['acl', 'set', '-a', 'rxc', 'foo', 'one.two'],
    ])
      assert.equal((await ours(a))[0], 0);
  });
  after(() => stopAllPeers());

  it('data get -r / -rd / depth / list, an attribute set (-v/-e NAME VALUE), acl test', async () => {
    assert.deepEqual(await theirs(['data', 'a.c', 'set', '-v', 'z', 'py']), [0, '']);
    assert.deepEqual(await ours(['data', 'a.c', 'set', '-e', 'w', '7']), [0, '']);
    const cases = [['data', 'a', 'get', '-r'], ['data', ':', 'get', '-rd', '_'], ['data', 'a', 'get', '-rd', 'v', '-m', '1'], ['data', 'a', 'list'], ['acl', 'test', '-a', 'foo', 'one.two']];
    // the python CLI starts slowly: run the cases side by side
    const got = await Promise.all(cases.map(async (args) => [args.join(' '), await theirs(args), await ours(args)] as const));
    for (const [what, py, me] of got) assert.deepEqual(me, py, what);
    assert.match(got[0]![2][1], /^- !P b: hi\n- !P b\.d: 42\n- !P c:\n {4}w: 7\n {4}x: 1\n/);
  });
});
