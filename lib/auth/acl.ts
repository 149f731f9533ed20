// DistKV's ACLs (python `distkv.types.NodeFinder/ACLFinder/NullACL` and `Entry.follow_acl`).
// A named ACL is a tree at (None,"acl",NAME,...) whose nodes hold strings of mode letters;
// `+` matches one path level, `#` one or more. While a request's path is walked, every pattern
// node that could match stays in an ordered candidate list (exact name, then `+`, then `#`, and a
// `#` keeps matching deeper); the first candidate holding a value decides; none = allowed.
//
// One deliberate difference: python's per-session ACLFinder steps *in place* during tree walks
// (get_tree/watch/enum), so siblings see each other's state — a bug. Here every step returns a
// new finder (python's ACLStepper semantics), which is what the ACL documentation describes.
import type { PathElement } from '../../store/path.js';

/** The part of a store entry an ACL tree needs (store/entry.ts `Entry` fits). */
export interface AclTreeNode {
  hasValue(): boolean;
  readonly value: unknown;
  child(el: PathElement): AclTreeNode | undefined;
}

/** The modes DistKV knows; `W` is the pseudo mode "c if the entry has no value, else w". */
export const ACL_MODES = 'arwcdxen';

/** An access the ACL forbids (python ACLError). `node` is the deciding ACL node, if any. */
export class AclError extends Error {
  override name = 'ACLError';
  constructor(
    readonly node: AclTreeNode | null,
    readonly mode: string,
  ) {
    super(`ACL denies '${mode}'${node && typeof node.value === 'string' ? ` (${node.value})` : ''}`);
  }
}

/** python `x in data` for the values an ACL node may hold (AclEntry only accepts strings). */
function pyContains(data: unknown, x: string): boolean {
  if (typeof data === 'string') return data.includes(x);
  if (Array.isArray(data)) return data.includes(x);
  if (data instanceof Map) return data.has(x);
  if (data instanceof Uint8Array) return false; // python: bytes in str is a TypeError; deny
  if (data !== null && typeof data === 'object') return Object.prototype.hasOwnProperty.call(data, x);
  return false; // python raises TypeError (not iterable); we deny instead of failing open
}

export interface AclChecker {
  /** The ACL for the child `name` (a new object; this one is unchanged). */
  step(name: PathElement): AclChecker;
  allows(mode: string): boolean;
  /** Forbid `mode` here and in every checker stepped from this one afterwards. */
  block(mode: string): void;
  check(mode: string): void;
  /** The deciding ACL node (python `result`), null when no pattern holds a value. */
  result(): AclTreeNode | null;
  /** python `NullACL`: no ACL at all (allows everything except `a`). */
  readonly isNull: boolean;
}

type Step = readonly [node: AclTreeNode, keep: boolean];

export class AclFinder implements AclChecker {
  readonly isNull = false;
  private blocked: string;

  constructor(
    private readonly steps: readonly Step[],
    blocked = '',
  ) {
    this.blocked = blocked;
  }

  /** The finder at the root of one named ACL tree (python `ACLFinder(acl_root)`). */
  static at(aclRoot: AclTreeNode): AclFinder {
    return new AclFinder([[aclRoot, false]]);
  }

  step(name: PathElement): AclFinder {
    const next: Step[] = [];
    for (const [node, keep] of this.steps) {
      const exact = node.child(name);
      if (exact) next.push([exact, false]);
      // python: a None element matches only literally, and drops the `#` candidates
      if (name === null) continue;
      const plus = node.child('+');
      if (plus) next.push([plus, false]);
      const hash = node.child('#');
      if (hash) next.push([hash, true]);
      if (keep) next.push([node, true]);
    }
    return new AclFinder(next, this.blocked);
  }

  result(): AclTreeNode | null {
    for (const [node] of this.steps) if (node.hasValue()) return node;
    return null;
  }

  allows(mode: string): boolean {
    if (this.blocked.includes(mode)) return false;
    const r = this.result();
    return r === null || pyContains(r.value, mode);
  }

  block(mode: string): void {
    if (!this.blocked.includes(mode)) this.blocked += mode;
  }

  check(mode: string): void {
    if (!this.allows(mode)) throw new AclError(this.result(), mode);
  }
}

class NullAclImpl implements AclChecker {
  readonly isNull = true;
  step(): AclChecker {
    return this;
  }
  allows(mode: string): boolean {
    return mode !== 'a';
  }
  block(): void {}
  check(): void {}
  result(): AclTreeNode | null {
    return null;
  }
}

/** No ACL: the session of a user without an `acl` parameter, or with `acl: {key: "*"}`. */
export const NULL_ACL: AclChecker = new NullAclImpl();

/** A store tree as `followAcl` walks it. */
export interface WalkNode {
  hasValue(): boolean;
  child(el: PathElement): WalkNode | undefined;
}

/** python's `create` argument: 'create' walks as if nodes were made, 'no' fails on a missing node, 'check' only checks. */
export type FollowMode = 'create' | 'no' | 'check';

/** A missing node with `create: 'no'` (python KeyError(path)). */
export class AclPathMissing extends Error {
  override name = 'KeyError';
}

/**
 * python `Entry.follow_acl` without side effects: at each element `n` is checked when the child
 * does not exist, else `x`; then `mode` at the target (`W` = `w` if it has a value, else `c`).
 * The caller creates nodes itself (our store creates them on write). Returns the target (if it
 * exists) and the checker for it.
 */
export function followAcl(
  root: WalkNode | undefined,
  path: readonly PathElement[],
  acl: AclChecker,
  mode: string | null,
  create: FollowMode = 'create',
): { node: WalkNode | undefined; acl: AclChecker } {
  let cur = root;
  let a = acl;
  for (const name of path) {
    const child = cur?.child(name);
    if (!child) {
      if (create === 'no') throw new AclPathMissing(`KeyError: ${String(name)}`);
      a.check('n');
    } else a.check('x');
    a = a.step(name);
    cur = child;
  }
  if (mode !== null) {
    const m = mode === 'W' ? (cur?.hasValue() ? 'w' : 'c') : mode;
    a.check(m);
  }
  return { node: cur, acl: a };
}

/** What a tree walk (get_tree, watch fetch) does with one visited entry. */
export interface WalkVerdict {
  /** Send it with its value (false: send it without `value`). */
  withValue: boolean;
  /** Descend into its children. */
  descend: boolean;
}

/**
 * python's per-entry rule in get_tree / watch: no `r` = value withheld; no `e` = stop below;
 * no `x` = `r` blocked for everything below (applied to `acl`, which the caller then steps).
 */
export function walkVerdict(acl: AclChecker): WalkVerdict {
  const withValue = acl.allows('r');
  const descend = acl.allows('e');
  if (descend && !acl.allows('x')) acl.block('r');
  return { withValue, descend };
}

/** python AclEntry.set / AclRoot.set: the error text for a bad value at a meta path, or undefined. */
export function aclValueError(path: readonly PathElement[], value: unknown): string | undefined {
  if (path.length < 2 || path[0] !== null || path[1] !== 'acl') return undefined;
  if (path.length === 2) return "This node can't have data.";
  if (typeof value !== 'string') return 'ACL is not a string';
  return undefined;
}
