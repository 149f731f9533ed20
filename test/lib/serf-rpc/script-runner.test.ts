import { strict as assert } from 'node:assert';
import { MAX_OUTPUT, ScriptRunner } from '../../../lib/serf-rpc/script-runner.js';

describe('serf-rpc ScriptRunner (event-handler scripts through a helper process)', () => {
  let runner: ScriptRunner;
  beforeEach(() => {
    runner = new ScriptRunner();
  });
  afterEach(() => runner.close());

  it('gives the script exactly the env and stdin passed, returns output and exit code', async () => {
    const r = await runner.run('echo "$SERF_EVENT/$SERF_USER_EVENT/${HOME:-nohome}"; cat; echo err >&2; exit 3', { SERF_EVENT: 'user', SERF_USER_EVENT: 'deploy' }, new Uint8Array([0x68, 0x69, 0x0a]));
    assert.equal(r.code, 3);
    assert.equal(r.output.toString('utf8'), 'user/deploy/nohome\nhi\nerr\n');
  });

  it('keeps the tail of a long output, as invoke.go does', async () => {
    const r = await runner.run('head -c 20000 /dev/zero | tr "\\0" a; printf END', {}, '');
    assert.equal(r.code, 0);
    assert.equal(r.output.length, MAX_OUTPUT);
    assert.equal(r.output.subarray(-4).toString('utf8'), 'aEND');
  });

  it('runs several scripts at once and answers each with its own result', async () => {
    const rs = await Promise.all([1, 2, 3, 4].map((i) => runner.run(`cat; exit ${i}`, {}, `in${i}`)));
    assert.deepEqual(
      rs.map((r) => [r.code, r.output.toString('utf8')]),
      [1, 2, 3, 4].map((i) => [i, `in${i}`]),
    );
  });

  it('a script killed by a signal is a failure; after close every run fails without starting', async () => {
    assert.equal((await runner.run('kill -9 $$', {}, '')).code, -1);
    await runner.close();
    assert.deepEqual(await runner.run('echo no', {}, ''), { output: Buffer.alloc(0), code: -1 });
  });

  it('a helper that dies fails the runs it had and is started again for the next', async () => {
    // The script's parent is the helper.
    assert.equal((await runner.run('kill -9 $PPID; exec sleep 1', {}, '')).code, -1);
    const r = await runner.run('echo again', {}, '');
    assert.deepEqual([r.code, r.output.toString('utf8')], [0, 'again\n']);
  });

  it('close() ends runs still waiting with code -1', async () => {
    const slow = runner.run('exec sleep 1', {}, '');
    await runner.close();
    assert.equal((await slow).code, -1);
  });
});
