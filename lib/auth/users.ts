// User records in the meta tree, as DistKV 0.57.4 stores them: (None,"auth",METHOD,"user",IDENT)
// holds the record (`root`: {}, `password`: {password: sha256 digest}); per-user parameters are
// child entries (…,IDENT,"acl") = {key: ACLNAME} and (…,IDENT,"conv") = {key: CONVNAME}.
// Hardened records ({password_kdf: scrypt of the digest, salted}) are our addition: only our
// servers can verify them (python servers in the same cluster would refuse those users).
import { scryptSync } from 'node:crypto';
import { dictGet, isDict, type Value, type ValueObject } from '../../store/codec.js';
import type { Entry } from '../../store/entry.js';
import type { PathElement } from '../../store/path.js';
import { reprString } from '../../store/path-repr.js';
import { formatPath } from '../../store/path-text.js';
import { sameBytes } from './password.js';

/**
 * The auth methods we implement (python modules distkv.auth.root / .password / ._test). `_test`
 * is DistKV's test method: users are names without secrets (record `{}`), created in a
 * conversation on the auth_set stream; any existing name logs in.
 */
export const METHODS = ['root', 'password', '_test'] as const;
export type Method = (typeof METHODS)[number];

export function isMethod(m: unknown): m is Method {
  return (METHODS as readonly unknown[]).includes(m);
}

/** python `_test` ClientUserMaker's name schema (also our rule for password idents). */
export const USER_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/**
 * An error whose message is exactly what python sends the client from a stream (`repr(exc)`);
 * `str` is what a single-reply command sends instead (`str(exc)`), when it differs.
 */
export class AuthReplyError extends Error {
  override name = 'AuthReplyError';
  constructor(
    message: string,
    readonly str?: string,
  ) {
    super(message);
  }
}

/** python's exception `Name(args…)` with both its repr and its str. */
export function pyError(name: string, ...args: string[]): AuthReplyError {
  return new AuthReplyError(reprExc(name, ...args), args.length === 1 ? args[0] : `(${args.map(reprString).join(', ')})`);
}

/** python `repr(P(...))` for KeyError texts. */
export function reprP(els: readonly PathElement[]): string {
  return `P(${reprString(formatPath(els))})`;
}

/** python `repr(exc)` of an exception with string args: `Name('a', 'b')`. */
export function reprExc(name: string, ...args: string[]): string {
  return `${name}(${args.map(reprString).join(', ')})`;
}

/** The absolute path of a user record. */
export function userPath(method: string, ident: PathElement, kind = 'user'): PathElement[] {
  return [null, 'auth', method, kind, ident];
}

/** python `ServerUserMaker.load/recv` failing for an unknown method. */
export function unknownMethod(m: unknown): AuthReplyError {
  return pyError('ModuleNotFoundError', `No module named 'distkv.auth.${String(m)}'`);
}

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}
/** ~50 ms on a laptop core: login cost stays small next to the DH exponentiations. */
export const DEFAULT_KDF: KdfParams = { N: 16384, r: 8, p: 1 };

/** The stored record for a password user. `hardened` salts and stretches the digest with scrypt. */
export function passwordRecord(digest: Uint8Array, hardened: false | { salt: Uint8Array; kdf?: KdfParams }): ValueObject {
  if (!hardened) return { password: digest };
  const kdf = hardened.kdf ?? DEFAULT_KDF;
  const hash = scryptSync(digest, hardened.salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r });
  return { password_kdf: { alg: 'scrypt', salt: hardened.salt, N: kdf.N, r: kdf.r, p: kdf.p, hash: new Uint8Array(hash) } };
}

/** Does `digest` (the decrypted SHA-256 the client sent) match this stored record? */
export function passwordMatches(record: Value, digest: Uint8Array): boolean {
  if (!isDict(record)) return false;
  const kdf = dictGet(record, 'password_kdf');
  if (kdf !== undefined) {
    if (!isDict(kdf) || dictGet(kdf, 'alg') !== 'scrypt') return false;
    const salt = dictGet(kdf, 'salt');
    const hash = dictGet(kdf, 'hash');
    const [N, r, p] = ['N', 'r', 'p'].map((k) => dictGet(kdf, k));
    if (!(salt instanceof Uint8Array) || !(hash instanceof Uint8Array)) return false;
    if (![N, r, p].every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0)) return false;
    if ((N as number) > 1 << 20 || (r as number) > 32 || (p as number) > 16) return false; // no DoS by record
    const got = scryptSync(digest, salt, hash.length, { N: N as number, r: r as number, p: p as number, maxmem: 256 * (N as number) * (r as number) + (1 << 20) });
    return sameBytes(new Uint8Array(got), hash);
  }
  const pw = dictGet(record, 'password');
  return pw instanceof Uint8Array && sameBytes(pw, digest);
}

/** The `key` of a user's parameter child entry (`acl`, `conv`), python `data[kind].data["key"]`. */
export function userParam(user: Entry, kind: 'acl' | 'conv'): string | undefined {
  const c = user.child(kind);
  if (!c || !c.hasValue() || !isDict(c.value)) return undefined;
  const k = dictGet(c.value, 'key');
  return typeof k === 'string' ? k : undefined;
}
