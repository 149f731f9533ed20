// The client commands (python `ServerClient.cmd_*` and the streamed `SCmd_*`), by action name.
// Replies keep python's key order; paths in requests are relative to the connection's chroot.
import { ClientError } from '../../store/errors.js';
import { NOT_GIVEN, entryToWire } from '../../store/entry.js';
import { chainToWire } from '../../store/chain.js';
import { isUnsafeObjectKey } from '../../store/codec-value.js';
import type { Value, ValueObject } from '../../store/codec.js';
import { Path, type PathElement } from '../../store/path.js';
import { PathShortener } from '../../store/path-shortener.js';
import type { SetOptions } from '../../store/store.js';
import { updateToWire } from '../../store/update-wire.js';
import type { OutStream, ServerConnection } from './connection.js';
import { Request, RequestError } from './msg.js';
import { authOf } from '../auth/commands.js';
import type { AclChecker } from '../auth/acl.js';
import { watchVerdict } from '../auth/acl-access.js';
import { RangeSet } from '../../store/range-set.js';
import type { Entry } from '../../store/entry.js';
import { DecodeError } from '../../gossip/decode-error.js';
import { aclAt, aclDeleteVictims, aclEnumerate, aclWalk, dumpVerdict } from './acl-walk.js';
import { msgMonitor, msgSend } from './messages.js';
import { ticksReply, wantFromWire } from '../../store/replication/pull.js';

/** A single-reply command returns its result (python `_process` wraps it) or NO_REPLY. */
export const NO_REPLY: unique symbol = Symbol('no reply');

export type Command =
  | { kind: 'single'; run(conn: ServerConnection, req: Request): unknown }
  | { kind: 'stream'; run(conn: ServerConnection, req: Request, out: OutStream): Promise<void> };

const single = (run: (conn: ServerConnection, req: Request) => unknown): Command => ({ kind: 'single', run });
const stream = (run: (conn: ServerConnection, req: Request, out: OutStream) => Promise<void>): Command => ({ kind: 'stream', run });

/** The meta tree's root: `*_internal` commands address paths below it. */
const META = Path.trusted([null]);

/** The absolute path of a request's `path`. python: None elements only outside a chroot. */
function target(conn: ServerConnection, req: Request, internal = false, allowNulls = true): Path {
  const rel = req.path();
  if (internal) return META.concat(rel);
  if ((conn.root.length > 0 || !allowNulls) && rel.elements.includes(null)) throw new RequestError('Null path element');
  return conn.root.concat(rel);
}

function getValue(conn: ServerConnection, req: Request, internal: boolean): unknown {
  const store = conn.ctx.store;
  const nchain = req.int('nchain', 0);
  if (req.has('node') && !req.has('path')) {
    const e = store.entryForTick(req.str('node'), req.int('tick', 0));
    return entryToWire(e, nchain, conn.root.length);
  }
  const e = store.get(target(conn, req, internal));
  if (!e) {
    const res: ValueObject = {};
    if (nchain) res.chain = null;
    return res;
  }
  return entryToWire(e, nchain, -1);
}

/** set/delete preconditions and options (python `_set_value`). */
function setOptions(req: Request): SetOptions {
  const opts: SetOptions = { nchain: req.int('nchain', 1) };
  if (req.flag('idem')) opts.idem = true;
  if (req.has('prev')) opts.prev = req.get('prev') as Value;
  if (req.has('chain')) {
    const c = req.get('chain');
    const ch = c === null || c === undefined ? null : Request.from(c);
    if (c !== null && c !== undefined && !ch) throw new RequestError('chain must be a map or None');
    if (!ch || !ch.has('node')) opts.chain = null;
    else {
      const node = ch.get('node');
      const tick = ch.get('tick');
      if (typeof node !== 'string') throw new RequestError('chain.node must be a string');
      if (typeof tick !== 'number' || !Number.isSafeInteger(tick)) throw new RequestError('chain.tick must be an integer');
      opts.chain = { node, tick };
    }
  }
  return opts;
}

function setValue(conn: ServerConnection, req: Request, internal: boolean): unknown {
  if (!req.has('value')) throw new RequestError("Call 'delete_value' if you want to clear the value");
  const path = target(conn, req, internal);
  const opts = setOptions(req);
  return conn.ctx.store.setValue(path, req.get('value') as Value, opts);
}

function deleteValue(conn: ServerConnection, req: Request, internal: boolean): unknown {
  if (req.has('value')) throw new RequestError("A deleted entry can't have a value");
  const path = target(conn, req, internal);
  const opts = setOptions(req);
  return conn.ctx.store.deleteValue(path, opts);
}

/** The session's ACL stepped to the request's path; undefined for sessions without one (fast path). */
function sessionAcl(conn: ServerConnection, req: Request): AclChecker | undefined {
  const acl = authOf(conn).acl;
  return acl.isNull ? undefined : aclAt(acl, req.path().elements);
}

/** A dict from keys that may not all be plain strings (Map when a plain object would reorder them). */
function dictOf(pairs: [PathElement, Value | null][]): Value {
  if (pairs.every(([k]) => typeof k === 'string' && !isUnsafeObjectKey(k))) {
    const o: ValueObject = {};
    for (const [k, v] of pairs) o[k as string] = v;
    return o;
  }
  return new Map<Value, Value>(pairs as [Value, Value][]);
}

function enumerate(conn: ServerConnection, req: Request, internal: boolean): unknown {
  // python's plain `enum` passes nulls_ok=None: no None elements in its path
  const path = target(conn, req, internal, internal);
  const store = conn.ctx.store;
  if (!store.get(path)) throw new ClientError(`KeyError: ${path.toString()}`);
  const withData = req.flag('with_data');
  const acl = sessionAcl(conn, req);
  const res = acl
    ? aclEnumerate(store.get(path)!, acl, withData, req.flag('empty'))
    : store.enumerate(path, { withData, empty: req.flag('empty') });
  return { result: withData ? dictOf(res as [PathElement, Value | null][]) : (res as Value) };
}

async function getTree(conn: ServerConnection, req: Request, out: OutStream, internal: boolean): Promise<void> {
  const store = conn.ctx.store;
  const path = target(conn, req, internal);
  const start = store.get(path);
  if (!start) throw new ClientError(`KeyError: ${path.toString()}`);
  const chop = internal ? 0 : conn.root.length;
  const nchain = req.int('nchain', 0);
  const maxDepth = req.optInt('max_depth');
  const minDepth = req.optInt('min_depth');
  const shorter = new PathShortener(path.slice(chop));
  const empty = req.flag('empty');
  // get_tree_internal walks without ACL (python passes NullACL)
  const acl = internal ? undefined : sessionAcl(conn, req);
  const entries: Iterable<[Entry, number, boolean]> = acl
    ? aclWalk(start, acl, { minDepth, maxDepth, empty })
    : withValues(store.iterate(path, { minDepth, maxDepth, empty }));
  for (const [e, , withValue] of entries) {
    const res = entryToWire(e, nchain, chop) as unknown as ValueObject;
    if (!withValue) delete res.value;
    const s = shorter.shorten(res.path as Path);
    // python sends the meta tree's paths as plain tuples (msgpack arrays), not as Path (ext 3)
    res.path = internal ? [...s.path.elements] : s.path;
    res.depth = s.depth;
    await out.send(res);
  }
}

function* withValues(it: Iterable<[Entry, number]>): Generator<[Entry, number, boolean]> {
  for (const [e, d] of it) yield [e, d, true];
}

async function watch(conn: ServerConnection, req: Request, out: OutStream): Promise<void> {
  const store = conn.ctx.store;
  const path = target(conn, req);
  const nchain = req.int('nchain', 0);
  const minDepth = req.int('min_depth', 0);
  const empty = req.flag('empty');
  const w = store.watch(path, {
    fetch: req.flag('fetch'),
    minDepth,
    maxDepth: req.int('max_depth', -1),
    empty,
    limit: conn.ctx.watchBuffer,
  });
  const acl = authOf(conn).acl;
  const rel = req.path().elements;
  out.onCancel(() => w.close());
  const chop = conn.root.length;
  const shorter = new PathShortener(path.slice(chop));
  try {
    for await (const item of w) {
      if (item.kind === 'uptodate') {
        await out.send({ state: 'uptodate' });
        continue;
      }
      let withValue = true;
      if (!acl.isNull) {
        // the dump follows python's walk rules; changes use watchVerdict (per-level finders)
        const v =
          item.kind === 'entry'
            ? dumpVerdict(w.entry, () => aclAt(acl, rel), item.entry, { minDepth, empty })
            : watchVerdictOf(acl, rel, item.entry, path.length);
        if (v === undefined) continue;
        withValue = v;
      }
      const res = entryToWire(item.entry, nchain, chop) as unknown as ValueObject;
      if (!withValue) delete res.value;
      const s = shorter.shorten(res.path as Path);
      res.path = s.path;
      res.depth = s.depth;
      await out.send(res);
    }
  } finally {
    w.close();
  }
}

function watchVerdictOf(acl: AclChecker, rel: readonly PathElement[], e: Entry, rootLen: number): boolean | undefined {
  const v = watchVerdict(aclAt(acl, rel), e.path.elements.slice(rootLen));
  return v.send ? v.withValue : undefined;
}

/** The deletions of delete_tree: all values below, or (with an ACL) those python's `_del` reaches. */
function deleteEvents(conn: ServerConnection, req: Request, path: Path): ReturnType<ServerConnection['ctx']['store']['deleteTree']> {
  const store = conn.ctx.store;
  const acl = authOf(conn).acl;
  if (acl.isNull) return store.deleteTree(path);
  const victims = aclDeleteVictims(store.get(path)!, aclAt(acl, req.path().elements));
  const out: ReturnType<typeof store.deleteTree> = [];
  const off = store.onChange((ev) => out.push(ev));
  try {
    for (const e of victims) store.deleteValue(e.path, { nchain: 0 });
  } finally {
    off();
  }
  return out;
}

/** python cmd_delete_tree: a count, or (nchain) a stream of the deletions without wseq. */
function deleteTree(conn: ServerConnection, req: Request): unknown {
  const rel = req.path();
  if (rel.length === 0) throw new RequestError("You can't delete the root node");
  const path = target(conn, req);
  const nchain = req.int('nchain', 0);
  const store = conn.ctx.store;
  if (!nchain) {
    if (!store.get(path)) return false;
    return { changed: deleteEvents(conn, req, path).length };
  }
  const seq = req.int('seq', 0);
  conn.send({ seq, state: 'start' });
  const chop = conn.root.length;
  const shorter = new PathShortener(rel);
  if (store.get(path)) {
    for (const ev of deleteEvents(conn, req, path)) {
      const r = chainToWire(ev.chain, nchain) as unknown as ValueObject;
      r.path = ev.entry.path.slice(chop);
      if (ev.old !== NOT_GIVEN) r.old_value = ev.old;
      r.tock = ev.tock;
      r.seq = seq;
      const s = shorter.shorten(r.path as Path);
      r.path = s.path;
      r.depth = s.depth;
      conn.safeSend(r);
    }
  }
  conn.send({ seq, state: 'end' });
  return NO_REPLY;
}

function chroot(conn: ServerConnection, req: Request): unknown {
  const rel = req.path();
  if (rel.length) {
    if (rel.elements.includes(null)) throw new RequestError('Null path element');
    conn.root = conn.root.concat(rel);
  }
  const e = conn.ctx.store.follow(conn.root);
  return entryToWire(e, 2, conn.root.length);
}

function getState(conn: ServerConnection, req: Request): unknown {
  const f = (k: string): boolean => req.flag(k);
  return conn.ctx.store.getState({
    nodes: f('nodes'),
    known: f('known'),
    superseded: f('superseded'),
    present: f('present'),
    deleted: f('deleted'),
    missing: f('missing'),
    remote_missing: f('remote_missing'),
    node_drop: f('node_drop'),
  });
}

function update(conn: ServerConnection, req: Request): unknown {
  const store = conn.ctx.store;
  const path = target(conn, req);
  let msg: Value = req.raw as Value;
  if (conn.root.length) {
    const copy = new Map<Value, Value>(req.raw instanceof Map ? req.raw : Object.entries(req.raw));
    copy.set('path', path);
    msg = copy;
  }
  if (store.applyUpdate(msg, 'load') !== 'applied') return false;
  const e = store.get(path)!;
  return updateToWire(e.chain!, e.path, e.value, e.tock, -1, conn.root.length);
}

async function save(conn: ServerConnection, req: Request): Promise<unknown> {
  const p = conn.ctx.persistence;
  if (!p) throw new ClientError('this server cannot save');
  await p.save(req.str('path'), req.flag('full'));
  return true;
}

async function log(conn: ServerConnection, req: Request): Promise<unknown> {
  const p = conn.ctx.persistence;
  if (!p) throw new ClientError('this server cannot log');
  const path = req.get('path');
  if (path !== undefined && path !== null && typeof path !== 'string') throw new RequestError('path must be a string');
  await p.log(path ?? undefined, req.flag('fetch'));
  return true;
}

function stop(conn: ServerConnection, req: Request): unknown {
  const t = conn.tasks.get(req.int('task', -1));
  if (!t) return false;
  t.cancel();
  return true;
}

function killNode(conn: ServerConnection, req: Request): unknown {
  const name = req.str('node');
  conn.ctx.store.killNode(name);
  conn.ctx.replica?.nodeDropped?.(name);
  return undefined;
}

/**
 * python cmd_check_deleted (a peer's resync_deleted): `nodes` maps node names to the tick range
 * sets the peer holds as entries; the replica broadcasts those we know as deleted. Empty reply.
 */
function checkDeleted(conn: ServerConnection, req: Request): unknown {
  let map: Map<string, RangeSet>;
  try {
    map = wantFromWire(req.get('nodes') ?? null, 'nodes');
  } catch (e) {
    if (e instanceof DecodeError) throw new RequestError(e.message);
    throw e;
  }
  conn.ctx.replica?.checkDeleted?.(map);
  return undefined;
}

/**
 * python cmd_fake_info(_send): the request's other fields (`superseded`/`known`, `deleted`,
 * `missing`, `ticks`, `node_drop`) as an info message from node "" — applied here, or broadcast.
 * Only the shape is checked here; the store's info decoder judges the ranges.
 */
function fakeInfo(conn: ServerConnection, req: Request, broadcast: boolean): unknown {
  const hook = conn.ctx.replica?.fakeInfo;
  if (!hook) throw new RequestError('fake_info: this server does not replicate');
  const raw = req.raw instanceof Map ? Object.fromEntries([...req.raw].filter(([k]) => typeof k === 'string')) : { ...req.raw };
  delete raw.action;
  delete raw.seq;
  try {
    hook(raw as Record<string, unknown>, broadcast);
  } catch (e) {
    if (e instanceof DecodeError) throw new RequestError(`fake_info: ${e.message}`);
    throw e;
  }
  return undefined;
}

/**
 * Ours only (not python): the replication pull (store/replication/pull.ts). `nodes` maps node
 * names to tick ranges; streams every entry holding one of them (whole chain, whole path), then
 * `{known, deleted}` for the asked ticks gone for good or deleted here. Like get_value by
 * node/tick it is a server-to-server command: no ACL walk, and only on an unrooted connection
 * (paths are whole).
 */
async function getTicks(conn: ServerConnection, req: Request, out: OutStream): Promise<void> {
  if (conn.root.length) throw new RequestError('get_ticks: not below a chroot');
  let want: ReturnType<typeof wantFromWire>;
  try {
    want = wantFromWire(req.get('nodes') ?? null, 'nodes');
  } catch (e) {
    if (e instanceof DecodeError) throw new RequestError(e.message);
    throw e;
  }
  for (const r of ticksReply(conn.ctx.store, want)) await out.send(r as ValueObject);
}

export const COMMANDS: Record<string, Command> = {
  get_value: single((c, r) => getValue(c, r, false)),
  set_value: single((c, r) => setValue(c, r, false)),
  delete_value: single((c, r) => deleteValue(c, r, false)),
  delete_tree: single(deleteTree),
  get_tree: stream((c, r, o) => getTree(c, r, o, false)),
  watch: stream(watch),
  enum: single((c, r) => enumerate(c, r, false)),
  enumerate: single((c, r) => enumerate(c, r, false)),
  get_tock: single((c) => ({ tock: c.ctx.store.nextTock() })),
  root: single(chroot),
  get_state: single(getState),
  get_internal: single((c, r) => getValue(c, r, true)),
  set_internal: single((c, r) => setValue(c, r, true)),
  delete_internal: single((c, r) => deleteValue(c, r, true)),
  enum_internal: single((c, r) => enumerate(c, r, true)),
  get_tree_internal: stream((c, r, o) => getTree(c, r, o, true)),
  enum_node: single((c, r) => ({ result: c.ctx.store.enumNode(r.str('node'), r.int('max', 0), r.flag('current')) })),
  kill_node: single(killNode),
  check_deleted: single(checkDeleted),
  get_ticks: stream(getTicks),
  fake_info: single((c, r) => fakeInfo(c, r, false)),
  fake_info_send: single((c, r) => fakeInfo(c, r, true)),
  update: single(update),
  save: single(save),
  log: single(log),
  stop: single(stop),
  msg_send: single(msgSend),
  msg_monitor: stream(msgMonitor),
};
