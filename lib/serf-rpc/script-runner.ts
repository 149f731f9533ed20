// Runs `-event-handler` scripts through a small helper process. Node's child_process.spawn forks
// the calling process and waits, synchronously, until the child has exec'd: from the agent
// (~100 MB) on a loaded host that stopped the event loop for a median 270 ms (p90 630 ms, 8+8
// mixed cluster at load 16), and with it the gossip ticks, so every event the agent had to
// forward waited for its own handler to start. Spawning from a worker thread was not enough
// (median 134 ms of stalls between receiving an event and forwarding it): fork write-locks the
// whole process's memory map while it copies it, and a preempted forker holds that lock. Go's
// agent forks with CLONE_VFORK on a goroutine of its own and gossips on. Here a helper process,
// started once, does the forking; the agent only exchanges IPC messages with it.
import { spawn, type ChildProcess } from 'node:child_process';

/** invoke.go's maxBufSize: output kept (the tail) per run. */
export const MAX_OUTPUT = 8 * 1024;

export interface ScriptResult {
  /** The tail (MAX_OUTPUT bytes) of stdout and stderr, interleaved as they arrived. */
  output: Buffer;
  /** Exit code; -1 when the script could not be started, was killed, or the runner closed first. */
  code: number;
}

interface Job {
  id: number;
  script: string;
  env: Record<string, string>;
  stdin: Uint8Array | string;
}

interface Done {
  id: number;
  output: Uint8Array;
  code: number;
}

// Plain JS for `node -e`: the agent may run from TypeScript sources through a loader that the
// helper would not have. It exits when the agent goes (the IPC channel closes).
const HELPER_SOURCE = `
const { spawn } = require('node:child_process');
const maxOutput = ${MAX_OUTPUT};
process.on('disconnect', () => process.exit(0));
process.on('message', (job) => {
  let out = Buffer.alloc(0);
  let sent = false;
  const finish = (code) => {
    if (sent) return;
    sent = true;
    if (process.connected) process.send({ id: job.id, output: out, code });
  };
  const take = (b) => {
    out = Buffer.concat([out, b]);
    if (out.length > maxOutput) out = out.subarray(out.length - maxOutput);
  };
  let p;
  try {
    p = spawn('/bin/sh', ['-c', job.script], { env: job.env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch {
    finish(-1);
    return;
  }
  p.stdout.on('data', take);
  p.stderr.on('data', take);
  p.stdin.on('error', () => {});
  p.on('error', () => finish(-1));
  p.on('close', (code) => finish(code === null ? -1 : code));
  p.stdin.end(job.stdin);
});
`;

/**
 * One helper per agent, started at construction so the first event does not wait for it (and
 * again if it dies). It holds the agent open only while a script runs, as the script's own child
 * process did before.
 */
export class ScriptRunner {
  private helper: ChildProcess | undefined;
  private readonly pending = new Map<number, (r: ScriptResult) => void>();
  private nextId = 0;
  private closed = false;

  constructor() {
    this.helper = this.start();
  }

  /** Runs `/bin/sh -c script` with exactly `env`, writing `stdin` to it. */
  run(script: string, env: Record<string, string>, stdin: Uint8Array | string): Promise<ScriptResult> {
    if (this.closed) return Promise.resolve(failed());
    const helper = (this.helper ??= this.start());
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      if (this.pending.size === 1) hold(helper, true);
      const job: Job = { id, script, env, stdin };
      helper.send(job, (err) => {
        if (err) this.settle(id, failed());
      });
    });
  }

  /** Stops the helper; runs not finished yet resolve with code -1 (their scripts run on). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const helper = this.helper;
    if (!helper || helper.exitCode !== null || helper.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => helper.once('exit', () => resolve()));
    if (helper.connected) helper.disconnect();
    else helper.kill();
    await exited;
  }

  private start(): ChildProcess {
    const helper = spawn(process.execPath, ['-e', HELPER_SOURCE], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    hold(helper, false);
    helper.on('message', (d: Done) => this.settle(d.id, { output: Buffer.from(d.output.buffer, d.output.byteOffset, d.output.byteLength), code: d.code }));
    // Spawn failures arrive as 'error'; a dead helper must not leave runs waiting forever.
    const gone = () => {
      if (this.helper === helper) this.helper = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, failed());
    };
    helper.on('error', () => {
      if (helper.pid === undefined) gone();
    });
    helper.once('exit', gone);
    return helper;
  }

  private settle(id: number, r: ScriptResult): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    if (this.pending.size === 0 && this.helper) hold(this.helper, false);
    resolve(r);
  }
}

function failed(): ScriptResult {
  return { output: Buffer.alloc(0), code: -1 };
}

/** Whether the helper (process and IPC channel) keeps the agent's event loop alive. */
function hold(helper: ChildProcess, on: boolean): void {
  if (on) {
    helper.ref();
    helper.channel?.ref();
  } else {
    helper.unref();
    helper.channel?.unref();
  }
}
