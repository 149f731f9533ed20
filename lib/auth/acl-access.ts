// Which ACL mode each client command checks, and the per-entry rules of tree walks, enums and
// watches (python server.py), for the client protocol to apply with the session's checker.
// Paths are relative to the connection's root (python walks from the chroot entry, so ACL
// patterns are relative to it too). `*_internal` commands other than get/enum use no ACL.
import type { Entry } from '../../store/entry.js';
import type { PathElement } from '../../store/path.js';
import { reprString } from '../../store/path-repr.js';
import { formatPath } from '../../store/path-text.js';
import { Path } from '../../store/path.js';
import { AclError, type AclChecker, type AclTreeNode } from './acl.js';

/**
 * The mode checked at the target (python `follow_acl(acl_key=...)`); `n`/`x` are checked on the
 * way. null = no ACL for that command (python passes NullACL).
 */
export const COMMAND_ACL_MODE: Readonly<Record<string, string | null>> = {
  get_value: 'r',
  set_value: 'W',
  delete_value: 'W',
  delete_tree: 'd',
  get_tree: 'e',
  enum: 'e',
  watch: 'x',
  root: null, // chroot: only the n/x steps of the walk
  get_internal: 'r',
  enum_internal: 'e',
  set_internal: null,
  delete_internal: null,
  get_tree_internal: null,
};

/** python `str(ACLError(entry, mode))` without the chain part: `(<AclEntry::n.acl.foo.x ='rc'>, 'w')`. */
export function aclErrorText(e: AclError): string {
  const n = e.node as (AclTreeNode & { path?: unknown }) | null;
  if (!n) return `(None, ${reprString(e.mode)})`;
  const p = n.path instanceof Path ? formatPath(n.path.elements) : '?';
  const v = typeof n.value === 'string' ? ` =${reprString(n.value)}` : '';
  return `(<AclEntry:${p}${v}>, ${reprString(e.mode)})`;
}

/**
 * A changed entry seen by a watch at `rel` below the watched path: send it (value only when
 * `r` is allowed) or skip it (no `e` somewhere above). python checks the *watch root's* `x`
 * and steps the shared finder in place — bugs; we apply the rule to each level's own finder.
 */
export function watchVerdict(acl: AclChecker, rel: readonly PathElement[]): { send: boolean; withValue: boolean } {
  let a = acl;
  for (const el of rel) {
    if (!a.allows('e')) return { send: false, withValue: false };
    if (!a.allows('x')) {
      const b = a.step(el);
      b.block('r');
      a = b;
      continue;
    }
    a = a.step(el);
  }
  return { send: true, withValue: a.allows('r') };
}

/**
 * python `cmd_enum` filters: names listed only when the child's finder allows `e`; with data,
 * values only when the child allows `r` and the parent `x` (else None if `empty`, else omitted).
 */
export function enumAccess(acl: AclChecker, child: Entry): { list: boolean; value: 'value' | 'none' | 'omit' } {
  const a = acl.step(child.key);
  const value = a.allows('r') ? (child.hasValue() && acl.allows('x') ? 'value' : 'none') : 'omit';
  return { list: a.allows('e'), value };
}
