// The auth commands in lib/client-protocol's Command shape, to be merged into its COMMANDS table,
// and the per-connection AuthSession (kept beside the connection, so ServerConnection needs no
// new field). Integration steps for the connection are in docs/auth.md ("Plugging in").
import type { ValueObject } from '../../store/codec.js';
import { NO_REPLY, type Command } from '../client-protocol/commands.js';
import type { OutStream, ServerConnection } from '../client-protocol/connection.js';
import type { Request } from '../client-protocol/msg.js';
import { AuthSession, type AuthOptions } from './session.js';
import type { PathElement } from '../../store/path.js';
import { AclError, AclPathMissing, aclValueError, followAcl } from './acl.js';
import { COMMAND_ACL_MODE, aclErrorText } from './acl-access.js';
import { AuthReplyError } from './users.js';

const sessions = new WeakMap<ServerConnection, AuthSession>();

/** Process-wide fallback when the server's context has no `auth` options (tests, embedders). */
let serverOptions: AuthOptions = {};
export function configureAuth(opts: AuthOptions): void {
  serverOptions = opts;
}

/** The connection's auth state, created on first use. */
export function authOf(conn: ServerConnection): AuthSession {
  let s = sessions.get(conn);
  if (!s) {
    s = new AuthSession(conn.ctx.store, conn.ctx.auth ?? serverOptions);
    sessions.set(conn, s);
  }
  return s;
}

/** A streamed command whose errors go out as python's exact `repr(exc)` text, then `end`. */
function authStream(run: (conn: ServerConnection, req: Request, out: OutStream) => Promise<void> | void): Command {
  return {
    kind: 'stream',
    async run(conn, req, out) {
      try {
        await run(conn, req, out);
      } catch (e) {
        if (!(e instanceof AuthReplyError)) throw e;
        await out.send({ error: e.message });
      }
    },
  };
}

export const AUTH_COMMANDS: Record<string, Command> = {
  diffie_hellman: { kind: 'single', run: (c, r) => authOf(c).diffieHellman(r) },
  // python replies to `auth` with an empty stream (start, end)
  auth: authStream((c, r) => authOf(c).login(r)),
  auth_get: { kind: 'single', run: (c, r) => authOf(c).authGet(r) },
  // python runs cmd_auth_set (one reply) unless the request opens a stream (`state: start`):
  // authCommandFor picks AUTH_SET_STREAMED then
  auth_set: {
    kind: 'single',
    run: (c, r) => {
      // python: _test's conversation cannot send in a single-reply command
      if (r.get('typ') === '_test') throw new AuthReplyError("Can't explicitly send in simple interaction");
      try {
        return authOf(c).authSet(r);
      } catch (e) {
        // python sends str(exc) in a single reply, repr(exc) in a stream
        if (e instanceof AuthReplyError && e.str !== undefined) throw new AuthReplyError(e.str);
        throw e;
      }
    },
  },
  auth_info: { kind: 'single', run: (c) => authOf(c).authInfo() },
  set_auth_typ: { kind: 'single', run: (c, r) => authOf(c).setAuthTyp(r) },
  test_acl: {
    kind: 'single',
    run: (c, r) => {
      const rel = r.path();
      const root = c.ctx.store.get(c.root);
      return authOf(c).testAcl(r, root, rel.elements);
    },
  },
};

/** `auth_set` with `state: start` (python StreamCommand): start, [the `_test` conversation], result, end. */
const AUTH_SET_STREAMED = authStream(async (c, r, out) => {
  const a = authOf(c);
  const res = r.get('typ') === '_test' ? await a.authSetTest(r, out) : a.authSet(r);
  await out.send(res as unknown as ValueObject);
});

/**
 * The auth command for a request (python ServerClient.process: a request with `state: start`
 * runs as the StreamCommand, else as `cmd_ACTION`; only auth_set differs between the two).
 */
export function authCommandFor(action: string, req: Request): Command | undefined {
  if (action === 'auth_set' && req.get('state') === 'start') return AUTH_SET_STREAMED;
  return Object.hasOwn(AUTH_COMMANDS, action) ? AUTH_COMMANDS[action] : undefined;
}

/**
 * `auth_list`: a stream, but a single reply when `ident` is given (python flips `multiline`),
 * so it streams by hand as delete_tree does.
 */
function authList(conn: ServerConnection, req: Request): unknown {
  const seq = req.int('seq', 0);
  if (req.has('ident')) return authOf(conn).authList(req).items[0];
  conn.send({ state: 'start', seq });
  try {
    for (const it of authOf(conn).authList(req).items) conn.safeSend({ ...it, seq });
  } catch (e) {
    if (!(e instanceof AuthReplyError)) throw e;
    conn.safeSend({ error: e.message, seq });
  }
  conn.send({ state: 'end', seq });
  return NO_REPLY;
}
AUTH_COMMANDS.auth_list = { kind: 'single', run: authList };

/** Which commands walk their path creating nodes (python follow_acl's default `create=True`). */
const CREATES = new Set(['set_value', 'delete_value', 'delete_tree', 'watch', 'root']);
const STREAMED = new Set(['get_tree', 'watch']);

/**
 * The ACL gate the connection calls before running a command: refuses it (and replies as python
 * does) when the session's ACL denies the walk or the command's mode at the target. Returns
 * true when it replied. Missing paths of read commands pass: the command answers as python does.
 * Also refuses non-string ACL values written with set_internal (python AclEntry.set).
 */
export function aclGate(conn: ServerConnection, action: string, req: Request, seq: number): boolean {
  const internal = action.endsWith('_internal');
  if (action === 'set_internal' && req.has('value')) {
    let rel: readonly PathElement[];
    try {
      rel = req.path().elements;
    } catch {
      return false;
    }
    const bad = aclValueError([null, ...rel], req.get('value'));
    if (bad) {
      conn.safeSend({ error: bad, seq });
      return true;
    }
  }
  const mode = COMMAND_ACL_MODE[action];
  const session = authOf(conn);
  if (mode === undefined || session.acl.isNull) return false;
  if (mode === null && action !== 'root') return false;
  let rel: readonly PathElement[];
  try {
    rel = req.path().elements;
  } catch {
    return false; // no or bad path: the command itself reports it
  }
  const store = conn.ctx.store;
  const root = internal ? store.get([null]) : store.get(conn.root);
  try {
    followAcl(root, rel, session.acl, mode, CREATES.has(action) ? 'create' : 'no');
  } catch (e) {
    if (e instanceof AclPathMissing) return false;
    if (!(e instanceof AclError)) throw e;
    const text = aclErrorText(e);
    if (STREAMED.has(action)) {
      conn.safeSend({ seq, state: 'start' });
      conn.safeSend({ seq, error: `ACLError${text}` });
      conn.safeSend({ seq, state: 'end' });
    } else conn.safeSend({ seq, error: text });
    return true;
  }
  return false;
}
