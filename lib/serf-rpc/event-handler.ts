// `-event-handler [filter=]script`: runs a shell script per matching Serf event with Serf's
// environment (SERF_EVENT, SERF_SELF_NAME, SERF_SELF_ROLE, SERF_TAG_*, SERF_USER_EVENT/LTIME,
// SERF_QUERY_NAME/LTIME) and stdin (member lines "name\taddr\trole\ttags", or the payload with a
// newline added); a query's script output (if any) is its response. As invoke.go does, scripts
// run one after another in event order, off the event loop (script-runner.ts).
import { ipToString } from '../../gossip/memberlist/node.js';
import { SubLogger } from '../../gossip/runtime.js';
import type { SerfEvent } from '../../gossip/serf/events.js';
import type { Member } from '../../gossip/serf/member.js';
import type { Serf } from '../../gossip/serf/serf.js';
import { filterMatches, parseEventFilter, type EventFilter } from './event-filter.js';
import { ScriptRunner } from './script-runner.js';

export interface EventScript {
  filter: EventFilter;
  script: string;
}

export function parseEventScript(v: string): EventScript[] {
  const i = v.indexOf('=');
  const filter = i < 0 ? '' : v.slice(0, i);
  const script = i < 0 ? v : v.slice(i + 1);
  return parseEventFilter(filter).map((f) => ({ filter: f, script }));
}

export function filterText(f: EventFilter): string {
  return f.name ? `${f.event}:${f.name}` : f.event;
}

function clean(v: string): string {
  return v.replaceAll('\t', '\\t').replaceAll('\n', '\\n');
}

export function memberLines(members: readonly Member[]): string {
  return members
    .map((m) => {
      const tags = [...m.tags].map(([k, v]) => `${k}=${v}`).join(',');
      return `${clean(m.name)}\t${ipToString(m.addr)}\t${clean(m.tags.get('role') ?? '')}\t${clean(tags)}\n`;
    })
    .join('');
}

function withNewline(b: Uint8Array): Uint8Array {
  if (b.length === 0 || b[b.length - 1] === 0x0a) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = 0x0a;
  return out;
}

export function scriptEnv(self: Member, e: SerfEvent): Record<string, string> {
  const env: Record<string, string> = {
    SERF_EVENT: e.type,
    SERF_SELF_NAME: self.name,
    SERF_SELF_ROLE: self.tags.get('role') ?? '',
  };
  for (const [k, v] of self.tags) env[`SERF_TAG_${k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`] = v;
  if (e.type === 'user') {
    env.SERF_USER_EVENT = e.name;
    env.SERF_USER_LTIME = String(e.ltime);
  } else if (e.type === 'query') {
    env.SERF_QUERY_NAME = e.query.name;
    env.SERF_QUERY_LTIME = String(e.query.ltime);
  }
  return env;
}

function stdinFor(e: SerfEvent): Uint8Array | string {
  if (e.type === 'user') return withNewline(e.payload);
  if (e.type === 'query') return withNewline(e.query.payload);
  return memberLines(e.members);
}

/** The agent's environment with the event's variables on top (invoke.go: os.Environ() + ...). */
function fullEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return Object.assign(out, env);
}

export class EventScripts {
  private chain: Promise<void> = Promise.resolve();
  private readonly log: SubLogger;
  private readonly off: () => void;
  private readonly runner = new ScriptRunner();

  constructor(
    private readonly serf: Serf,
    readonly scripts: readonly EventScript[],
  ) {
    this.log = new SubLogger(serf.rt.logger, 'agent');
    this.off = serf.onEvent((e) => this.handle(e));
  }

  /** script -> filter text, for stats. */
  describe(): Map<string, string> {
    return new Map(this.scripts.map((s) => [s.script, filterText(s.filter)]));
  }

  /** Resolves when every script started so far has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** No further events; the worker goes once the scripts already queued have run. */
  stop(): void {
    this.off();
    void this.chain.then(() => this.runner.close());
  }

  private handle(e: SerfEvent): void {
    for (const s of this.scripts) {
      if (!filterMatches(s.filter, e)) continue;
      this.chain = this.chain.then(() => this.invoke(s.script, e));
    }
  }

  private async invoke(script: string, e: SerfEvent): Promise<void> {
    let self: Member;
    try {
      self = this.serf.localMember();
    } catch {
      return;
    }
    const { output, code } = await this.runner.run(script, fullEnv(scriptEnv(self, e)), stdinFor(e));
    this.log.debug(`Event '${e.type}' script output: ${output.toString('utf8')}`);
    if (code !== 0) {
      this.log.error(`Error invoking script '${script}': exit status ${code}`);
      return;
    }
    if (e.type === 'query' && output.length > 0) {
      try {
        e.query.respond(new Uint8Array(output));
      } catch (err) {
        this.log.warn(`Failed to respond to query '${e.query.name}': ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
