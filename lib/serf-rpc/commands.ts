// The request/response commands of the agent RPC (ipc.go's handle* functions); the streaming
// ones (stream, monitor, stop, query, respond) are in streams.ts.
import { cpus } from 'node:os';
import type { Member } from '../../gossip/serf/member.js';
import { compileGoRegexp } from '../../gossip/serf/go-regexp.js';
import { memberStatusName } from '../../gossip/serf/messages.js';
import type { KeyResult } from '../../gossip/serf/key-manager.js';
import { CloseConnection, type RpcConnection } from './connection.js';
import {
  coordinateBody,
  decodeBody,
  joinBody,
  keyBody,
  MAX_IPC_VERSION,
  membersBody,
  MIN_IPC_VERSION,
  RpcError,
  statsBody,
  type Seq,
} from './protocol.js';
import { STREAM_COMMANDS } from './streams.js';

export type CommandHandler = (c: RpcConnection, seq: Seq) => Promise<void>;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function handshake(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.handshake(await c.body());
  let error = '';
  if (req.version < MIN_IPC_VERSION || req.version > MAX_IPC_VERSION) error = RpcError.unsupportedIPCVersion;
  else if (c.version !== 0) error = RpcError.duplicateHandshake;
  else c.version = req.version;
  c.send(seq, error);
}

async function auth(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.auth(await c.body());
  if (req.authKey === (c.backend.authKey ?? '')) {
    c.didAuth = true;
    c.send(seq, '');
  } else c.send(seq, RpcError.invalidAuthToken);
}

async function event(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.event(await c.body());
  let error = '';
  try {
    c.backend.serf.userEvent(req.name, req.payload, req.coalesce);
  } catch (e) {
    error = errText(e);
  }
  c.send(seq, error);
}

async function forceLeave(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.forceLeave(await c.body());
  let error = '';
  try {
    await c.backend.serf.forceLeave(req.node, req.prune);
  } catch (e) {
    error = errText(e);
  }
  c.send(seq, error);
}

async function join(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.join(await c.body());
  let error = '';
  let num = 0;
  try {
    const resolve = c.backend.resolveJoin?.bind(c.backend) ?? ((a: string) => Promise.resolve(a));
    const addrs = await Promise.all(req.existing.map(resolve));
    // Serf's agent: without Replay, events from before the join are ignored.
    num = await c.backend.serf.join(addrs, !req.replay);
  } catch (e) {
    error = errText(e);
  }
  c.send(seq, error, joinBody(num));
}

/** Go's regexp.Compile(fmt.Sprintf("^%s$", expr)), RE2 translated (or refused) by go-regexp.ts. */
function compile(expr: string): RegExp {
  try {
    return compileGoRegexp(expr, true);
  } catch (e) {
    throw new CloseConnection(`Failed to compile regex: ${errText(e)}`);
  }
}

export function filterMembers(members: Member[], tags: ReadonlyMap<string, string>, status: string, name: string): Member[] {
  const tagRe = [...tags].map(([t, expr]) => [t, compile(expr)] as const);
  const statusRe = compile(status);
  const nameRe = compile(name);
  return members.filter(
    (m) =>
      tagRe.every(([t, re]) => re.test(m.tags.get(t) ?? '')) &&
      (status === '' || statusRe.test(memberStatusName(m.status))) &&
      (name === '' || nameRe.test(m.name)),
  );
}

async function members(c: RpcConnection, seq: Seq): Promise<void> {
  c.send(seq, '', membersBody(c.backend.serf.members()));
}

async function membersFiltered(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.membersFiltered(await c.body());
  // A bad expression ends the connection without a reply, as in Go.
  const list = filterMembers(c.backend.serf.members(), req.tags, req.status, req.name);
  c.send(seq, '', membersBody(list));
}

function keyCommand(op: 'install' | 'use' | 'remove' | 'list', logText: string): (c: RpcConnection, seq: Seq) => Promise<void> {
  return async (c, seq) => {
    const key = op === 'list' ? '' : decodeBody.key(await c.body()).key;
    c.log.info(logText);
    const km = c.backend.serf.keyManager;
    let r: KeyResult;
    if (op === 'install') r = await km.installKey(key);
    else if (op === 'use') r = await km.useKey(key);
    else if (op === 'remove') r = await km.removeKey(key);
    else r = await km.listKeys();
    const resp = r.response;
    c.send(
      seq,
      r.error ?? '',
      keyBody({ messages: resp.messages, numNodes: resp.numNodes, numErr: resp.numErr, numResp: resp.numResp, ...(op === 'list' ? { keys: resp.keys } : {}) }),
    );
  };
}

async function leave(c: RpcConnection, seq: Seq): Promise<void> {
  c.log.info('Graceful leave triggered');
  let error = '';
  try {
    await c.backend.serf.leave();
  } catch (e) {
    error = errText(e);
    c.log.error('leave failed', { error });
  }
  c.send(seq, error);
  c.close();
  // The shutdown closes this server too: run it outside this request's handling.
  setImmediate(() => {
    c.backend.shutdown().catch((e: unknown) => c.log.error('shutdown failed', { error: errText(e) }));
  });
  throw new CloseConnection('');
}

async function tags(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.tags(await c.body());
  const serf = c.backend.serf;
  const next = new Map<string, string>();
  for (const [k, v] of serf.config.tags) if (!req.deleteTags.includes(k)) next.set(k, v);
  for (const [k, v] of req.tags) next.set(k, v);
  let error = '';
  try {
    // As Go's agent: the tags file first, so a failed write leaves the tags as they were.
    c.backend.saveTags?.(next);
    await serf.setTags(next);
  } catch (e) {
    error = errText(e);
  }
  c.send(seq, error);
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

export function agentStats(c: RpcConnection): Map<string, Map<string, string>> {
  const serf = c.backend.serf;
  const cpu = String(cpus().length);
  return new Map([
    ['agent', new Map([['name', serf.name]])],
    [
      'runtime',
      new Map([
        ['os', process.platform],
        ['arch', GO_ARCH[process.arch] ?? process.arch],
        ['version', `node${process.version}`],
        ['max_procs', cpu],
        ['goroutines', '1'],
        ['cpu_count', cpu],
      ]),
    ],
    ['serf', new Map(Object.entries(serf.stats()))],
    ['tags', new Map(serf.config.tags)],
    ['event_handlers', new Map(c.backend.eventHandlers?.() ?? [])],
  ]);
}

async function stats(c: RpcConnection, seq: Seq): Promise<void> {
  c.send(seq, '', statsBody(agentStats(c)));
}

async function getCoordinate(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.coordinate(await c.body());
  c.send(seq, '', coordinateBody(c.backend.serf.getCachedCoordinate(req.node)));
}

export const COMMANDS: Record<string, CommandHandler> = {
  handshake,
  auth,
  event,
  'force-leave': forceLeave,
  join,
  members,
  'members-filtered': membersFiltered,
  'install-key': keyCommand('install', 'Initiating key installation'),
  'use-key': keyCommand('use', 'Initiating primary key change'),
  'remove-key': keyCommand('remove', 'Initiating key removal'),
  'list-keys': keyCommand('list', 'Initiating key listing'),
  leave,
  tags,
  stats,
  'get-coordinate': getCoordinate,
  ...STREAM_COMMANDS,
};
