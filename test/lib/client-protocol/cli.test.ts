// `distkv server` as a process (Running., -I, -s change log, SIGTERM, -l reload) and
// `distkv client data ...` (run in-process against it), with DistKV's CLI output.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { run as clientCli } from '../../../lib/commands/client.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function startServer(args: string[]): Promise<{ stop(): Promise<number | null>; out: () => string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/cli.ts'), 'server', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`server did not say Running.:\n${out}`));
    }, 20_000);
    p.stdout.on('data', () => {
      if (/^Running\.$/m.test(out)) {
        clearTimeout(timer);
        res({
          out: () => out,
          stop: async () => {
            p.kill('SIGTERM');
            const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
            const code = await exited;
            clearTimeout(t);
            return code;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`server exited (${code}):\n${out}`));
    });
  });
}

async function cli(port: number, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const orig = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await clientCli(['-p', String(port), 'data', ...args]);
    return { code, out };
  } finally {
    process.stdout.write = orig;
    process.stderr.write = origErr;
  }
}

describe('distkv server / distkv client commands', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'distkv-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves after -I, logs changes with -s, stops on SIGTERM, and -l brings the data back', async () => {
    const port = await freePort();
    const log = join(dir, 'changes.dkv');
    const s1 = await startServer(['-I', 'root value', '-s', log, '--client-addr', `127.0.0.1:${port}`, 'test1']);
    assert.equal((await cli(port, 'cli.greeting', 'set', '-v', ':', 'Hi there')).code, 0);
    assert.equal((await cli(port, 'cli.n', 'set', '-e', ':', '42')).code, 0);
    assert.deepEqual(await cli(port, 'cli.greeting', 'get'), { code: 0, out: "'Hi there'\n" });
    assert.deepEqual(await cli(port, 'cli.n', 'get'), { code: 0, out: '42\n' });
    assert.deepEqual(await cli(port, ':', 'get', '-rd', '_'), { code: 0, out: "_: root value\ncli:\n  greeting:\n    _: Hi there\n  n:\n    _: 42\n" });
    assert.deepEqual(await cli(port, 'cli', 'list'), { code: 0, out: '- !P greeting\n- !P n\n' });
    assert.equal((await cli(port, 'cli.n', 'delete')).code, 0);
    assert.equal((await cli(port, 'cli.n', 'get')).code, 1);
    assert.equal(await s1.stop(), 0, s1.out());
    assert.ok(statSync(log).size > 0);

    const port2 = await freePort();
    const s2 = await startServer(['-l', log, '--client-addr', `127.0.0.1:${port2}`, 'test1']);
    try {
      const tree = await cli(port2, ':', 'get', '-rd', '_');
      assert.deepEqual(tree, { code: 0, out: "_: root value\ncli:\n  greeting:\n    _: Hi there\n" });
      // the tick continues where the log ended
      const set = await cli(port2, 'x', 'set', '-v', ':', 'y');
      assert.equal(set.code, 0);
    } finally {
      assert.equal(await s2.stop(), 0, s2.out());
    }
  });

  it('without data it says it waits for peers and does not serve; -f serves an empty node', async () => {
    const port = await freePort();
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/cli.ts'), 'server', '--client-addr', `127.0.0.1:${port}`, 'lonely'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    for (let i = 0; i < 200 && !/waiting for peers/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /waiting for peers/);
    assert.doesNotMatch(out, /Running\./);
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));

    const port2 = await freePort();
    const s = await startServer(['-f', '--client-addr', `127.0.0.1:${port2}`, 'lonely']);
    try {
      assert.equal((await cli(port2, 'a', 'set', '-v', ':', 'b')).code, 0);
      assert.deepEqual(await cli(port2, 'a', 'get'), { code: 0, out: "'b'\n" });
    } finally {
      await s.stop();
    }
  });
});
