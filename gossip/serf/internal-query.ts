// Serf's own queries, all named "_serf_<what>": ping (the ack is the answer), conflict (who do
// you think holds this name?) and the key-management queries that every member answers from
// its memberlist keyring. Responses are encoded as Serf 0.9.4 encodes them.
import type { Keyring } from '../memberlist/keyring.js';
import { DecodeError } from '../decode-error.js';
import { decodeMessageOf, encodeMessage } from './codec.js';
import type { Member } from './member.js';
import { type KeyResponseMessage, MessageType, type NodeName } from './messages.js';
import type { IncomingQuery } from './query.js';

export const INTERNAL_QUERY_PREFIX = '_serf_';
export const PING_QUERY = `${INTERNAL_QUERY_PREFIX}ping`;
export const CONFLICT_QUERY = `${INTERNAL_QUERY_PREFIX}conflict`;
export const INSTALL_KEY_QUERY = `${INTERNAL_QUERY_PREFIX}install-key`;
export const USE_KEY_QUERY = `${INTERNAL_QUERY_PREFIX}use-key`;
export const REMOVE_KEY_QUERY = `${INTERNAL_QUERY_PREFIX}remove-key`;
export const LIST_KEYS_QUERY = `${INTERNAL_QUERY_PREFIX}list-keys`;

/** Serf's minEncodedKeyLength: bounds how many keys a list response can hold (limit / 25). */
const MIN_ENCODED_KEY_LENGTH = 25;

export function isInternalQuery(name: string): boolean {
  return name.startsWith(INTERNAL_QUERY_PREFIX);
}

export interface InternalQueryContext {
  self: NodeName;
  member(name: NodeName): Member | undefined;
  /** The memberlist keyring when encryption is on, else undefined. */
  keyring: Keyring | undefined;
  /** Saves the keyring (Serf's keyring file); returns an error text on failure. */
  persistKeyring?: () => string | undefined;
  responseSizeLimit: number;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Go's memberlist keyring error texts (the CLI shows them). */
function keyringMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/^key size must be/.test(m)) return 'key size must be 16, 24 or 32 bytes';
  if (/^requested key is not in the keyring/i.test(m)) return 'Requested key is not in the keyring';
  if (/^removing the primary key/i.test(m)) return 'Removing the primary key is not allowed';
  return m;
}

/** Handles one internal query (must be isInternalQuery). Never throws; problems are logged. */
export function handleInternalQuery(q: IncomingQuery, ctx: InternalQueryContext): void {
  try {
    switch (q.name) {
      case PING_QUERY:
        return;
      case CONFLICT_QUERY:
        return handleConflict(q, ctx);
      case INSTALL_KEY_QUERY:
      case USE_KEY_QUERY:
      case REMOVE_KEY_QUERY:
        return sendKeyResponse(q, ctx, modifyKeyring(q, ctx));
      case LIST_KEYS_QUERY:
        return sendKeyResponse(q, ctx, listKeys(ctx));
      default:
        ctx.warn('unhandled internal query', { name: q.name });
    }
  } catch (e) {
    ctx.warn('failed to respond to internal query', { name: q.name, error: e instanceof Error ? e.message : String(e) });
  }
}

function handleConflict(q: IncomingQuery, ctx: InternalQueryContext): void {
  const node = new TextDecoder().decode(q.payload);
  if (node === ctx.self) return; // a question about us is not ours to answer
  const m = ctx.member(node);
  q.respond(encodeMessage({ type: MessageType.ConflictResponse, msg: m ? { ...m, addr: m.addr, tags: m.tags } : null }));
}

function modifyKeyring(q: IncomingQuery, ctx: InternalQueryContext): KeyResponseMessage {
  const resp: KeyResponseMessage = { result: false, message: '', keys: null, primaryKey: '' };
  let key: Uint8Array;
  try {
    // Go skips the type byte without looking at it.
    const p = q.payload;
    if (p.length === 0) throw new DecodeError('empty key request', 0, 'key request');
    const body = Uint8Array.of(MessageType.KeyRequest, ...p.subarray(1));
    key = decodeMessageOf(body, MessageType.KeyRequest).key ?? new Uint8Array(0);
  } catch (e) {
    ctx.warn('failed to decode key request', { error: String(e) });
    return resp;
  }
  if (!ctx.keyring) {
    resp.message = 'No keyring to modify (encryption not enabled)';
    return resp;
  }
  try {
    if (q.name === INSTALL_KEY_QUERY) ctx.keyring.addKey(key);
    else if (q.name === USE_KEY_QUERY) ctx.keyring.useKey(key);
    else ctx.keyring.removeKey(key);
  } catch (e) {
    resp.message = keyringMessage(e);
    return resp;
  }
  const err = ctx.persistKeyring?.();
  if (err) {
    resp.message = err;
    return resp;
  }
  resp.result = true;
  return resp;
}

function listKeys(ctx: InternalQueryContext): KeyResponseMessage {
  const resp: KeyResponseMessage = { result: false, message: '', keys: null, primaryKey: '' };
  if (!ctx.keyring) {
    resp.message = 'Keyring is empty (encryption not enabled)';
    return resp;
  }
  // Members encode to base64 so the asking node does not have to.
  const keys = ctx.keyring.getKeys().map((k) => Buffer.from(k).toString('base64'));
  resp.keys = keys.length > 0 ? keys : null;
  const primary = ctx.keyring.primaryKey();
  resp.primaryKey = primary ? Buffer.from(primary).toString('base64') : '';
  resp.result = true;
  return resp;
}

function sendKeyResponse(q: IncomingQuery, ctx: InternalQueryContext, resp: KeyResponseMessage): void {
  if (q.name !== LIST_KEYS_QUERY) {
    q.respond(encodeMessage({ type: MessageType.KeyResponse, msg: resp }));
    return;
  }
  // Drop keys until the response fits, as Go's keyListResponseWithCorrectSize does.
  const actual = resp.keys?.length ?? 0;
  for (let i = Math.floor(ctx.responseSizeLimit / MIN_ENCODED_KEY_LENGTH); i >= 0; i--) {
    const qresp = q.createResponse(encodeMessage({ type: MessageType.KeyResponse, msg: resp }));
    const raw = encodeMessage({ type: MessageType.QueryResponse, msg: qresp });
    if (raw.length > ctx.responseSizeLimit) {
      resp.keys = resp.keys && resp.keys.slice(0, i);
      resp.message = `truncated key list response, showing first ${i} of ${actual} keys`;
      continue;
    }
    if (actual > i) ctx.warn(resp.message);
    q.respondWith(raw, qresp);
    return;
  }
  ctx.warn('Failed to truncate response so that it fits into message');
}
