// `distkv client` against a real `distkv server` process: DistKV's data options (-v/-e/-p attrs,
// -r/-d/-m/-M, -l/-n conditions, delete -p/-r), --json, log save, internal state/dump, auth users
// + ACLs + password login, msg send/monitor over Serf user events, exit codes and error lines.
// Most calls run the CLI in-process (cheap); a few spawn it to check the real exit codes.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run as clientCli } from '../../../lib/commands/client.js';
import { runCommand, spawnPeer, stopAllPeers, waitFor } from '../../interop/peers.js';
import { startOurServer, type OurServer } from '../../interop/distkv-server-helpers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'lib/cli.ts');

describe('distkv client (CLI) against a real server', function () {
  this.timeout(90_000);
  let srv: OurServer;
  const dir = mkdtempSync(join(tmpdir(), 'distkv-client-cli-'));

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await clientCli(['-p', String(srv.clientPort), ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    return { code, out, err };
  }
  async function ok(...args: string[]): Promise<string> {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    return r.out;
  }

  before(async () => {
    srv = await startOurServer('cli1', ['-I', 'root']);
  });
  after(async () => {
    await stopAllPeers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('set with -v/-e/-p edits parts of a mapping value, as DistKV node_attr does', async () => {
    await ok('data', 'c.one', 'set', '-v', 'x', '1', '-e', 'y.z', '42', '-e', 'w', '[1, 2]', '-p', 'p', 'a.b');
    assert.equal(await ok('data', 'c.one', 'get'), "p: !P a.b\nw:\n- 1\n- 2\nx: '1'\ny:\n  z: 42\n");
    await ok('data', 'c.one', 'set', '-e', 'y.z', '-');
    assert.equal(await ok('data', 'c.one'), "p: !P a.b\nw:\n- 1\n- 2\nx: '1'\n");
    await ok('data', 'c.two', 'set', '-v', ':', 'hello');
    assert.equal(await ok('data', 'c.two', 'get'), "'hello'\n");
    assert.equal(await ok('data', 'c.two', 'get', '-R'), 'hello\n');
    // a whole value and a part at once conflict
    assert.equal((await cli('data', 'c.two', 'set', '-v', ':', 'a', '-v', 'x', 'b')).code, 2);
  });

  it('get -r with -d / -m / -M, list, and --json', async () => {
    await ok('data', 'g.a', 'set', '-e', ':', '1');
    await ok('data', 'g.a.b', 'set', '-e', ':', '2');
    await ok('data', 'g.c', 'set', '-v', ':', 'three');
    assert.equal(await ok('data', 'g', 'get', '-r'), '- !P a: 1\n- !P a.b: 2\n- !P c: three\n');
    assert.equal(await ok('data', 'g', 'get', '-rd', '_'), 'a:\n  _: 1\n  b:\n    _: 2\nc:\n  _: three\n');
    assert.equal(await ok('data', 'g', 'get', '-r', '-M', '2'), '- !P a.b: 2\n');
    assert.equal(await ok('data', 'g', 'get', '-r', '-m', '1'), '- !P a: 1\n- !P c: three\n');
    assert.equal(await ok('data', 'g', 'list'), '- !P a\n- !P c\n');
    assert.equal(await ok('--json', 'data', 'g', 'get', '-r'), '[{"a":1}]\n[{"a.b":2}]\n[{"c":"three"}]\n');
    const meta = JSON.parse(await ok('--json', '-m', 'data', 'g.c', 'get'));
    assert.equal(meta.value, 'three');
    assert.equal(meta.chain.node, 'cli1');
  });

  it("conditions: -n, -l NODE TICK and delete -p fail with DistKV's errors when false", async () => {
    await ok('data', 'k', 'set', '-v', ':', 'v1');
    let r = await cli('data', 'k', 'set', '-n', '-v', ':', 'v2');
    assert.equal(r.code, 1);
    assert.match(r.err, /server error: Entry already exists at k/);
    const chain = JSON.parse(await ok('--json', '-m', 'data', 'k', 'get')).chain;
    r = await cli('data', 'k', 'set', '-l', chain.node, String(chain.tick + 1000), '-v', ':', 'v2');
    assert.equal(r.code, 1);
    assert.match(r.err, /Chain mismatch at k/);
    await ok('data', 'k', 'set', '-l', chain.node, String(chain.tick), '-v', ':', 'v2');
    r = await cli('data', 'k', 'delete', '-p', 'v1');
    assert.equal(r.code, 1);
    assert.match(r.err, /Data is "v2" not "v1" at k/);
    await ok('data', 'k', 'delete', '-p', 'v2');
    r = await cli('data', 'k', 'get');
    assert.deepEqual([r.code, r.err], [1, 'distkv client: No data at k\n']);
    await ok('data', 'n.new', 'set', '-n', '-v', ':', 'fresh');
    await ok('data', 'g', 'delete', '-r');
    assert.equal(await ok('data', 'g', 'get', '-r'), '');
  });

  it('log save, internal state / dump / deleter', async () => {
    const f = join(dir, 'snap.dkv');
    await ok('log', 'save', f);
    assert.ok(existsSync(f));
    assert.match(await ok('internal', 'state', '-n'), /nodes:\n {2}cli1: \d+/);
    await ok('internal', 'deleter', 'cli1');
    assert.match(await ok('internal', 'dump', 'actor'), /^del:\n {2}_:\n {4}nodes:\n {4}- cli1\n/);
    assert.match(await ok('internal', 'deleter', '-d', 'cli1'), /nodes: \[\]/);
  });

  it('internal mark: ticks of a node counted as superseded / deleted (fake_info)', async () => {
    assert.match(await ok('internal', 'mark', 'ghost', '3', '4', '5'), /superseded:\n(?: .*\n)* {2}ghost:\n {2}- - 3\n {4}- 6\n/);
    assert.match(await ok('internal', 'mark', '-d', '-b', 'ghost', '9'), /deleted:\n(?: .*\n)* {2}ghost:\n {2}- 9\n/);
    assert.equal((await cli('internal', 'mark', 'ghost', 'x')).code, 2);
  });

  it('msg send / monitor: user events through the server, data packed or raw', async () => {
    let out = '';
    const mon = clientCli(['-p', String(srv.clientPort), 'msg', 'monitor', 'test.topic', '-n', '1'], { stdout: (s) => (out += s), stderr: () => undefined });
    // the monitor is running once a message sent now is seen; resend until then
    await waitFor(async () => {
      await ok('msg', 'send', 'test.topic', '-e', '{"n": 7}');
      return out.length > 0;
    }, 20_000, 'the monitor saw a message', 300);
    assert.equal(await mon, 0);
    assert.match(out, /^data:\n {2}n: 7\ntock: \d+\ntopic:\n- test\n- topic\n---\n$/);
    const r = await cli('msg', 'send', 'test.topic');
    assert.equal(r.code, 2);
  });

  it('spawned: monitor prints changes until SIGTERM; errors exit 1 (2 for usage) with one readable line', async () => {
    const p = spawnPeer(process.execPath, ['--import', 'tsx', CLI, 'client', '-p', String(srv.clientPort), 'data', 'mon', 'monitor'], { cwd: ROOT });
    await waitFor(async () => {
      await ok('data', 'mon.x', 'set', '-v', ':', 'seen');
      return /path: !P mon\.x\n/.test(p.logs());
    }, 30_000, 'the spawned monitor printed a change', 500);
    assert.match(p.logs(), /value: seen\n---\n/);
    await p.stop(10_000);
    assert.equal((await p.exited).code, 0, p.logs());
    const bad = await runCommand(process.execPath, ['--import', 'tsx', CLI, 'client', '-p', String(srv.clientPort), 'data', 'nothing.here'], { timeoutMs: 30_000 });
    assert.deepEqual([bad.code, bad.stderr], [1, 'distkv client: No data at nothing.here\n']);
    const usage = await cli('data', 'x', 'set', '--bogus');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /no such option: --bogus/);
  });

  it('auth: a password user with an ACL, auth init, login with -a; the ACL allows exactly what it says; auth off again', async () => {
    await ok('auth', '-m', 'root', 'user', 'add');
    assert.equal(await ok('auth', '-m', 'password', 'user', 'add', 'name=joe', 'password=secret'), 'joe\n');
    await ok('auth', '-m', 'password', 'user', 'add', 'name=admin', 'password=pw');
    assert.equal(await ok('auth', '-m', 'password', 'user', 'list'), 'admin\njoe\n');
    await ok('auth', '-m', 'password', 'user', 'param', 'joe', 'acl', 'lim');
    // lim: everything below `pub` may be read, written and created (n); elsewhere only walking
    await ok('acl', 'set', '-a', 'rwcdxen', 'lim', 'pub.#');
    await ok('acl', 'set', '-a', 'rwcdxen', 'lim', 'pub');
    await ok('acl', 'set', '-a', 'x', 'lim', '#');
    assert.equal(await ok('acl', 'list'), '- lim\n');
    assert.match(await ok('acl', 'get', 'lim', 'pub'), /^'[rwcdxen]{7}'\n$/);
    assert.equal(await ok('acl', 'test', '-a', 'lim', '-m', 'w', 'pub.a'), '+\n');
    assert.equal(await ok('acl', 'test', '-a', 'lim', '-m', 'w', 'priv.a'), '-\n');
    await ok('data', 'priv.a', 'set', '-v', ':', 'secret');
    assert.equal(await ok('auth', '-m', 'password', 'init'), 'Authorization switched to password\n');

    const joe = ['-a', 'password name=joe password=secret'];
    let r = await cli('data', 'pub.a', 'get');
    assert.equal(r.code, 1, 'no login: refused');
    r = await cli('-a', 'password name=joe password=wrong', 'data', 'pub.a', 'get');
    assert.equal(r.code, 1);
    assert.match(r.err, /Password hashes do not match/);
    await ok(...joe, 'data', 'pub.a', 'set', '-v', ':', 'mine');
    assert.equal(await ok(...joe, 'data', 'pub.a', 'get'), "'mine'\n");
    r = await cli(...joe, 'data', 'priv.a', 'get');
    assert.equal(r.code, 1, 'the ACL refuses reading priv.a');
    r = await cli(...joe, 'data', 'priv.b', 'set', '-v', ':', 'x');
    assert.equal(r.code, 1, 'the ACL refuses writing priv.b');
    r = await cli(...joe, 'auth', '-m', '-', 'init', '-s');
    assert.equal(r.code, 1, "joe's ACL hides the meta tree too");
    assert.equal(await ok('-a', 'password name=admin password=pw', 'auth', '-m', '-', 'init', '-s'), 'Authorization turned off.\n');
    assert.equal(await ok('data', 'priv.a', 'get'), "'secret'\n");
  });
});
