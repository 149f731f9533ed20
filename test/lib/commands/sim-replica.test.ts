// `distkv sim --protocol replica` end to end (spawned as a user would run it): generated
// workloads with loss, partitions and crashes end converged with nothing lost, the last line has
// the stable verdict format, the same seed replays the same trace, and a run that cannot converge
// says so and exits 1.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function distkv(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', 'lib/cli.ts', ...args], { timeout: 120_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.trimEnd().split('\n');
const VERDICT = /^converged (true|false) lost \d+ nodes \d+ keys \d+$/;

describe('distkv sim --protocol replica', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'distkv-sim-replica-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a generated workload (writes, loss, a partition, crashes restarted from disk) ends converged, lost 0; same seed ⇒ same output', async () => {
    const args = ['sim', '--protocol', 'replica', '--nodes', '6', '--seed', '4', '--duration', '60s', '--writes', '40', '--loss', '0.05', '--partitions', '1', '--crashes', '2', '--trace-hash'];
    const [a, b] = await Promise.all([distkv(args), distkv(args)]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const la = lines(a.stdout);
    assert.match(la.at(-1)!, VERDICT);
    assert.match(la.at(-1)!, /^converged true lost 0 nodes 6 keys \d+$/);
    assert.match(la.at(-2)!, /^trace [0-9a-f]{16}$/);
    assert.deepEqual(lines(b.stdout).slice(-2), la.slice(-2));
    assert.match(a.stdout, /writesAcknowledged 40/);
    assert.match(a.stdout, /reloadedFromDisk [12]/);
  });

  it('--scenario with write actions; a run cut short before the stores agree says converged false and exits 1', async () => {
    const file = join(dir, 'split-writes.json');
    writeFileSync(
      file,
      JSON.stringify({
        nodes: 4,
        duration: '30s',
        steps: [
          { at: '12s', op: 'partition', groups: [['n1', 'n2'], ['n3', 'n4']] },
          { at: '15s', op: 'action', name: 'write', nodes: ['n1'], args: { path: ['a'], value: 'left' } },
          { at: '16s', op: 'action', name: 'write', nodes: ['n4'], args: { path: ['a'], value: 'right' } },
          { at: '17s', op: 'action', name: 'delete', nodes: ['n3'], args: { path: ['b'] } },
        ],
      }),
    );
    const [ok, cut] = await Promise.all([
      distkv(['sim', '--protocol', 'replica', '--scenario', file, '--seed', '2']),
      distkv(['sim', '--protocol', 'replica', '--scenario', file, '--seed', '2', '--param', 'quiet=1ms']),
    ]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(lines(ok.stdout).at(-1), 'converged true lost 0 nodes 4 keys 2');
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(lines(cut.stdout).at(-1)!, /^converged false lost [1-9]\d* nodes 4 keys \d+$/);
  });

  it('workload flags need a protocol that takes them', async () => {
    const r = await distkv(['sim', '--writes', '10']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /takes no generated workload/);
  });
});
