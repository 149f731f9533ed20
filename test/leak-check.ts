// Mocha root-hook plugin that names the test file which left a handle or timer alive.
// Off unless LEAK_CHECK=1 (async_hooks slow every callback down). Usage:
//   LEAK_CHECK=1 npx mocha --no-exit test/lib/serf-rpc/server.test.ts
// After each test file (and once at the end) it prints every still-referenced socket,
// server, UDP socket, child process or timer that was created while that file ran,
// with the project frames of the stack that created it.
import { createHook } from 'node:async_hooks';
import net from 'node:net';
import { relative } from 'node:path';

type Live = {
  readonly type: string;
  readonly file: string;
  readonly where: string;
  readonly resource: WeakRef<object>;
};

// Types that keep the event loop alive while referenced. Promises and one-shot
// requests (TCPCONNECTWRAP, FSREQCALLBACK...) end by themselves and are ignored.
const WATCHED = new Set([
  'TCPWRAP', 'TCPSERVERWRAP', 'UDPWRAP', 'PIPEWRAP', 'PIPESERVERWRAP',
  'PROCESSWRAP', 'TTYWRAP', 'Timeout', 'FSEVENTWRAP', 'SIGNALWRAP', 'HTTPINCOMINGMESSAGE',
  // Short-lived, but one still pending after the settle delay is a re-arming loop (a spin).
  'Immediate',
]);

const enabled = process.env['LEAK_CHECK'] === '1' || process.env['LEAK_CHECK'] === 'addr';
/** LEAK_CHECK=addr also prints each socket's local -> peer address (one line per socket). */
const verbose = process.env['LEAK_CHECK'] === 'addr';
const live = new Map<number, Live>();
let currentFile = '(mocha setup)';

function projectFrames(stack: string | undefined): string {
  const root = process.cwd() + '/';
  const all = (stack ?? '').split('\n').slice(1)
    .map((l) => l.trim().replace(/^at /, '').replace('file://', '').replace(root, ''))
    .filter((l) => !l.includes('leak-check.ts') && !l.includes('internal/async_hooks'));
  const ours = all.filter((l) => !l.includes('node:') && !l.includes('node_modules/'));
  if (ours.length > 0) return ours.slice(0, 4).join(' <- ');
  // Created from a native or library callback: the first frames still hint at who.
  return all.length > 0 ? `(no project frame) ${all.slice(0, 4).join(' <- ')}` : '(native, no JS stack)';
}

function stillReferenced(resource: object): boolean {
  const r = resource as { hasRef?: () => boolean; _destroyed?: boolean; destroyed?: boolean };
  if (typeof r.hasRef === 'function') return r.hasRef();
  return true;
}

/** local->peer addresses of a TCP/UDP handle, to tell which server or client it belongs to. */
function addresses(resource: object): string {
  type Out = { address?: string; port?: number };
  const h = resource as { getsockname?: (o: Out) => number; getpeername?: (o: Out) => number };
  const fmt = (f: ((o: Out) => number) | undefined): string => {
    const o: Out = {};
    if (typeof f !== 'function' || f.call(h, o) !== 0) return '-';
    return `${o.address}:${o.port}`;
  };
  return ` [${fmt(h.getsockname)} -> ${fmt(h.getpeername)}]`;
}

/** For a socket a listener accepted: who called that listener's listen(). */
function acceptedBy(handle: object | undefined): string {
  const server = (handle && ownerOf(handle) as { server?: Record<symbol, unknown> } | undefined)?.server;
  const stack = server?.[LISTEN_STACK];
  return `accepted by the listener of ${typeof stack === 'string' ? projectFrames(stack) : '(unknown)'}`;
}

function leaksOf(file: string | undefined): Live[] {
  const out: Live[] = [];
  for (const [id, l] of live) {
    const res = l.resource.deref();
    if (res === undefined) { live.delete(id); continue; }
    if (!stillReferenced(res)) continue;
    if (file === undefined || l.file === file) out.push(l);
  }
  return out;
}

function report(file: string | undefined, heading: string): void {
  const leaks = leaksOf(file);
  if (leaks.length === 0) return;
  const lines = [`\n[leak-check] ${heading}: ${leaks.length} referenced handle(s)/timer(s) still alive`];
  const grouped = new Map<string, number>();
  for (const l of leaks) {
    const res = l.resource.deref();
    const addr = res && l.type.endsWith('WRAP') && l.type !== 'PROCESSWRAP' && verbose ? addresses(res) : '';
    const key = `${l.type}${addr} from ${l.file}: ${l.where === 'accepted' ? acceptedBy(res) : l.where}`;
    grouped.set(key, (grouped.get(key) ?? 0) + 1);
  }
  for (const [k, n] of grouped) lines.push(`  ${n} x ${k}`);
  process.stderr.write(lines.join('\n') + '\n');
}

const settle = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

const LISTEN_STACK = Symbol('leak-check listen stack');

/** The JS object (net.Server, Socket...) that owns a handle, via Node's owner_symbol. */
function ownerOf(handle: object): Record<symbol, unknown> | undefined {
  const sym = Object.getOwnPropertySymbols(handle).find((s) => s.description === 'owner_symbol');
  return sym ? (handle as Record<symbol, unknown>)[sym] as Record<symbol, unknown> : undefined;
}

if (enabled) {
  Error.stackTraceLimit = 40;
  // A listener's handle is created on a later tick: remember who called listen().
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    (this as unknown as Record<symbol, unknown>)[LISTEN_STACK] = new Error().stack;
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  createHook({
    init(asyncId, type, _trigger, resource) {
      if (!WATCHED.has(type)) return;
      const stack = new Error().stack;
      // An accepted connection has no JS stack: it is named after its listener when reported.
      const accepted = type === 'TCPWRAP' && !stack?.includes('node:net') ? 'accepted' : undefined;
      // Mocha's own per-runnable timeouts (including this plugin's hooks) are not leaks.
      if (type === 'Timeout' && stack?.includes('mocha/lib/runnable.js')) return;
      live.set(asyncId, {
        type,
        file: currentFile,
        where: accepted ?? projectFrames(stack),
        resource: new WeakRef(resource),
      });
    },
    destroy(asyncId) { live.delete(asyncId); },
  }).enable();
}

type SuiteLike = {
  file?: string;
  suites: SuiteLike[];
  beforeAll(title: string, fn: () => void): void;
  afterAll(title: string, fn: () => Promise<void>): void;
  _beforeAll: unknown[];
};

function fileOf(s: SuiteLike): string {
  return s.file ? relative(process.cwd(), s.file) : '(unknown file)';
}

export const mochaHooks = enabled ? {
  beforeAll(this: Mocha.Context) {
    const root = this.test?.parent as unknown as SuiteLike | undefined;
    if (!root) return;
    const suites = root.suites;
    suites.forEach((s, i) => {
      const file = fileOf(s);
      // Run first among the file's before-all hooks, so its resources are attributed to it.
      s.beforeAll(`leak-check: enter ${file}`, () => { currentFile = file; });
      s._beforeAll.unshift(s._beforeAll.pop());
      const lastOfFile = suites.slice(i + 1).every((t) => fileOf(t) !== file);
      if (lastOfFile) {
        s.afterAll(`leak-check: leaving ${file}`, async () => {
          await settle(300);
          report(file, `after ${file}`);
          currentFile = `(between files, after ${file})`;
        });
      }
    });
  },
  async afterAll() {
    await settle(500);
    report(undefined, 'end of run (all files)');
    const info = process.getActiveResourcesInfo().filter((t) => t !== 'TTYWrap');
    process.stderr.write(`[leak-check] process.getActiveResourcesInfo() at end: ${JSON.stringify(info)}\n`);
  },
} : {};
