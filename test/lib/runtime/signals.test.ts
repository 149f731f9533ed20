import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../../lib/runtime/signals.ts', import.meta.url));

/** Runs a child that installs the handlers, sends it `signals` once it is ready; returns its output and code. */
function runChild(signals: NodeJS.Signals[]): Promise<{ out: string; code: number | null }> {
  const code = `
    import { onShutdownSignals } from ${JSON.stringify(MODULE)};
    onShutdownSignals({
      interrupt: async () => { console.log('leaving'); await new Promise((r) => setTimeout(r, 300)); console.log('left'); },
      terminate: () => console.log('terminating'),
      hangup: () => console.log('reloading'),
    });
    setInterval(() => {}, 1000);
    console.log('ready');
  `;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const killer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.stdout.on('data', async (b: Buffer) => {
      out += b.toString();
      if (!sent && out.includes('ready')) {
        sent = true;
        for (const s of signals) {
          p.kill(s);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    });
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.once('error', reject);
    p.once('exit', (c) => {
      clearTimeout(killer);
      resolve({ out, code: c });
    });
  });
}

describe('lib/runtime/signals', function () {
  this.timeout(30_000);

  it('SIGHUP reloads and keeps running; SIGINT runs the graceful handler to the end, exit 0', async () => {
    const r = await runChild(['SIGHUP', 'SIGINT']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /reloading[\s\S]*leaving[\s\S]*left/);
  });

  it('SIGTERM runs the terminate handler', async () => {
    const r = await runChild(['SIGTERM']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /terminating/);
    assert.doesNotMatch(r.out, /leaving/);
  });

  it('a second signal during a graceful shutdown exits at once with 1', async () => {
    const r = await runChild(['SIGINT', 'SIGINT']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /leaving/);
    assert.doesNotMatch(r.out, /\bleft\b/);
    assert.match(r.out, /again: exiting now/);
  });
});
