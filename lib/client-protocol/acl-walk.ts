// The per-entry ACL rules of tree walks (python server.py: SCmd_get_tree.send_sub, SCmd_watch,
// cmd_enum, cmd_delete_tree) for sessions with an ACL. Sessions without one never get here: the
// commands take their plain store paths, so the default pays nothing.
import { type AclChecker, walkVerdict } from '../auth/acl.js';
import { enumAccess } from '../auth/acl-access.js';
import type { Value } from '../../store/codec.js';
import { type Entry, NOT_GIVEN } from '../../store/entry.js';
import type { PathElement } from '../../store/path.js';

/** The checker at `rel` below the session's ACL root (the gate has already checked the way). */
export function aclAt(acl: AclChecker, rel: readonly PathElement[]): AclChecker {
  let a = acl;
  for (const el of rel) a = a.step(el);
  return a;
}

export interface AclWalkOptions {
  minDepth?: number;
  /** -1 or undefined = unlimited. */
  maxDepth?: number;
  empty?: boolean;
}

/**
 * python `Entry.walk(send_sub, acl)`: pre-order in path order; an entry is judged only when it is
 * visited (at or below `minDepth`, with a value or `empty`) — then no `r` withholds its value,
 * no `e` prunes its subtree, no `x` blocks `r` below. Yields [entry, depth, withValue].
 */
export function* aclWalk(start: Entry, acl: AclChecker, opts: AclWalkOptions = {}): Generator<[Entry, number, boolean]> {
  const min = opts.minDepth ?? 0;
  const max = opts.maxDepth ?? -1;
  const stack: [Entry, number, AclChecker][] = [[start, 0, acl]];
  while (stack.length) {
    const [e, d, a] = stack.pop()!;
    if (min <= d && (opts.empty || e.value !== NOT_GIVEN)) {
      const v = walkVerdict(a);
      yield [e, d, v.withValue];
      if (!v.descend) continue;
    }
    if (max === d) continue;
    const kids = e.sortedChildren();
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i]!;
      // python's walk passes `full` only to the first level
      if (k.key === null && !(opts.empty && d === 0)) continue;
      stack.push([k, d + 1, a.step(k.key)]);
    }
  }
}

/**
 * A watch's initial dump comes from the store's own walk, so each dumped entry is judged by
 * replaying python's walk verdicts on the way down from the watch root: undefined = python's walk
 * would have pruned it, else whether its value is sent. `rootAcl` is the checker at the root.
 */
export function dumpVerdict(root: Entry, rootAcl: () => AclChecker, entry: Entry, opts: AclWalkOptions): boolean | undefined {
  const rel = entry.path.elements.slice(root.path.length);
  const min = opts.minDepth ?? 0;
  let a = rootAcl();
  let node: Entry | undefined = root;
  for (let d = 0; d < rel.length; d++) {
    if (node && min <= d && (opts.empty || node.value !== NOT_GIVEN) && !walkVerdict(a).descend) return undefined;
    const el = rel[d]!;
    a = a.step(el);
    node = node?.child(el);
  }
  return walkVerdict(a).withValue;
}

/** python `cmd_enum` with an ACL: names the child's `e` allows; data the child's `r` allows. */
export function aclEnumerate(start: Entry, acl: AclChecker, withData: boolean, empty: boolean): PathElement[] | [PathElement, Value | null][] {
  if (withData) {
    const out: [PathElement, Value | null][] = [];
    for (const c of start.sortedChildren()) {
      const v = enumAccess(acl, c).value;
      if (v === 'value') out.push([c.key, c.value as Value]);
      else if (v === 'none' && empty) out.push([c.key, null]);
    }
    return out;
  }
  const keys: PathElement[] = [];
  for (const c of start.sortedChildren()) if ((empty || c.value !== NOT_GIVEN) && enumAccess(acl, c).list) keys.push(c.key);
  return keys;
}

/**
 * python `cmd_delete_tree`'s `_del`: values deleted where `d` is allowed; no descent below an
 * entry without `e` or `x` (python then crashes adding None to the count; we just stop there).
 */
export function aclDeleteVictims(start: Entry, acl: AclChecker): Entry[] {
  const out: Entry[] = [];
  const stack: [Entry, AclChecker][] = [[start, acl]];
  while (stack.length) {
    const [e, a] = stack.pop()!;
    if (e.value !== NOT_GIVEN && a.allows('d')) out.push(e);
    if (!a.allows('e') || !a.allows('x')) continue;
    const kids = e.sortedChildren();
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i]!;
      if (k.key === null) continue; // as the store's delete_tree walk
      stack.push([k, a.step(k.key)]);
    }
  }
  return out;
}
