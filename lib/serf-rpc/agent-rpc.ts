// What `distkv agent` needs to offer `serf agent`'s RPC port and event handlers: the flags, the
// log tap that `monitor` reads, and one call that starts both around the agent's Serf (and stops
// them when that Serf shuts down).
import type { Logger } from '../../gossip/runtime.js';
import type { Serf } from '../../gossip/serf/serf.js';
import { UsageError, type FlagSpec } from '../args.js';
import { parseHostPort } from './addr.js';
import { EventScripts, parseEventScript } from './event-handler.js';
import { validFilter } from './event-filter.js';
import { LogTap } from './log-tap.js';
import { DEFAULT_RPC_ADDR, SerfRpcServer } from './server.js';

export const AGENT_RPC_FLAGS: Record<string, FlagSpec> = {
  'rpc-addr': { type: 'string', help: 'address for the Serf RPC (serf CLI, asyncserf) (default 127.0.0.1:7373)' },
  'rpc-auth': { type: 'string', help: 'auth key RPC clients must present' },
  'event-handler': { type: 'list', help: '[filter=]script run per Serf event (repeatable)' },
};

/** Wraps the agent's logger so `serf monitor` can stream it. */
export function agentLogTap(inner: Logger): LogTap {
  return new LogTap(inner);
}

export interface AgentRpcOptions {
  logs?: LogTap;
  /** Turns a join address into an IP literal (the agent's resolver). */
  resolveJoin?(addr: string): Promise<string>;
  /** Called after a `leave` RPC: the agent should exit (default: SIGTERM-like shutdown of the Serf). */
  shutdown?(): Promise<void>;
  /** Persists tags after a `tags` RPC (-tags-file); throws to fail the RPC. */
  saveTags?(tags: ReadonlyMap<string, string>): void;
}

export interface AgentRpc {
  /** Undefined when the default address was taken (see startAgentRpc). */
  readonly server: SerfRpcServer | undefined;
  readonly scripts: EventScripts | undefined;
  close(): Promise<void>;
}

function flagString(flags: ReadonlyMap<string, unknown>, k: string): string | undefined {
  const v = flags.get(k);
  return typeof v === 'string' ? v : undefined;
}

/** Starts the RPC server (and event scripts) for `serf` from the agent's parsed flags. */
export async function startAgentRpc(serf: Serf, flags: ReadonlyMap<string, unknown>, opts: AgentRpcOptions = {}): Promise<AgentRpc> {
  const addrText = flagString(flags, 'rpc-addr');
  const addr = addrText ? parseHostPort(addrText, DEFAULT_RPC_ADDR.port) : DEFAULT_RPC_ADDR;
  const handlers = flags.get('event-handler');
  const scriptList = (Array.isArray(handlers) ? (handlers as string[]) : []).flatMap(parseEventScript);
  for (const s of scriptList) if (!validFilter(s.filter)) throw new UsageError(`Invalid event filter: ${s.filter.event}`);
  const scripts = scriptList.length ? new EventScripts(serf, scriptList) : undefined;
  const authKey = flagString(flags, 'rpc-auth');
  const backend = {
      serf,
      ...(opts.logs ? { logs: opts.logs } : {}),
      ...(authKey ? { authKey } : {}),
      ...(opts.resolveJoin ? { resolveJoin: opts.resolveJoin } : {}),
      shutdown: opts.shutdown ?? (() => serf.shutdown()),
      eventHandlers: () => scripts?.describe() ?? new Map<string, string>(),
      ...(opts.saveTags ? { saveTags: opts.saveTags } : {}),
  };
  let server: SerfRpcServer | undefined;
  try {
    server = await SerfRpcServer.listen(backend, addr);
  } catch (e) {
    // An explicit -rpc-addr must work; the default one may be taken by another agent on this
    // host (several test agents at once): then run without RPC rather than not at all.
    if (addrText) throw e;
    serf.log.warn('RPC not started: default address unavailable', { addr: `${addr.host}:${addr.port}`, error: e instanceof Error ? e.message : String(e) });
  }
  const close = async () => {
    scripts?.stop();
    await server?.close();
  };
  // The listener must not outlive the Serf (it would keep the process up).
  void (async () => {
    for await (const _ of serf.subscribe());
    await close();
  })();
  return { server, scripts, close };
}
