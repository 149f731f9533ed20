// `distkv sim` end to end: spawned as a user would run it.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function distkv(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', 'lib/cli.ts', ...args], { timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function lastLine(s: string): string {
  return s.trimEnd().split('\n').at(-1)!;
}

describe('distkv sim', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'distkv-sim-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints what happened and, twice with the same seed, the same final trace line', async () => {
    const args = ['sim', '--nodes', '20', '--seed', '7', '--duration', '20s', '--loss', '0.1', '--trace-hash'];
    const [a, b, c] = await Promise.all([distkv(args), distkv(args), distkv([...args.slice(0, 4), '8', ...args.slice(5)])]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(lastLine(a.stdout), /^trace [0-9a-f]{16}$/);
    assert.equal(lastLine(b.stdout), lastLine(a.stdout));
    assert.notEqual(lastLine(c.stdout), lastLine(a.stdout));
    assert.match(a.stdout, /20 nodes, seed 7, 20\.000 s virtual/);
    assert.match(a.stdout, /datagrams sent \d+, delivered \d+, dropped \d+ \(loss \d+\)/);
    assert.match(a.stdout, /events +\d+ in [\d.]+ s wall/);
  });

  it('--json reports the same run as one object; --scenario replays a file', async () => {
    const file = join(dir, 'split.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'split',
        nodes: 6,
        duration: '15s',
        steps: [
          { at: '2s', op: 'partition', groups: [['n1', 'n2', 'n3'], ['n4', 'n5', 'n6']] },
          { at: '4s', op: 'crash', nodes: ['n6'] },
          { at: '6s', op: 'heal' },
          { at: '7s', op: 'restart', nodes: ['n6'] },
          { at: '8s', op: 'action', name: 'publish', nodes: ['n1'] },
        ],
      }),
    );
    const [r, again] = await Promise.all([
      distkv(['sim', '--scenario', file, '--seed', 'x', '--json', '--trace-hash']),
      distkv(['sim', '--scenario', file, '--seed', 'x', '--trace-hash']),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const j = JSON.parse(lines[0]!);
    assert.equal(j.nodes, 6);
    assert.equal(j.virtualMs, 15_000);
    assert.ok(j.dropped.partition > 0);
    assert.equal(j.nodesUp, 6);
    assert.equal(lines[1], `trace ${j.trace}`);
    assert.equal(lastLine(again.stdout), lines[1]);
  });

  it('rejects bad usage with exit code 2 and a message', async () => {
    const bad = await distkv(['sim', '--nodes', 'zero']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--nodes: expected a positive integer/);
    const proto = await distkv(['sim', '--protocol', 'nope']);
    assert.equal(proto.code, 2);
    assert.match(proto.stderr, /unknown protocol 'nope'/);
  });
});
