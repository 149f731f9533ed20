// The `-a AUTH` argument of DistKV's CLI (python `gen_auth`): "METHOD key=value…" or "=FILE", a
// YAML (or JSON) file with `type: METHOD` and the parameters.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../args.js';
import type { Credentials } from '../auth/client-login.js';

/** python `gen_auth`: "METHOD key=value…" or "=FILE" (YAML/JSON with `type`). */
export function parseAuth(text: string): Credentials {
  const [m0, ...params] = text.trim().split(/\s+/);
  let method = m0 ?? '';
  const kw: Record<string, unknown> = {};
  if (!params.length && method.startsWith('=')) {
    const doc = parseYaml(readFileSync(method.slice(1), 'utf8')) as Record<string, unknown> | null;
    if (!doc || typeof doc.type !== 'string') throw new UsageError(`${method.slice(1)}: needs a 'type' key`);
    method = doc.type;
    Object.assign(kw, doc);
  } else
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) throw new UsageError(`auth parameter '${p}' is not KEY=VALUE`);
      kw[p.slice(0, eq)] = p.slice(eq + 1);
    }
  if (method === 'root') return { method: 'root' };
  if (method === 'password') {
    if (typeof kw.name !== 'string' && typeof kw.name !== 'number') throw new UsageError('password auth needs name=NAME');
    if (kw.password === undefined) throw new UsageError('password auth needs password=PASSWORD');
    return { method: 'password', name: String(kw.name), password: String(kw.password) };
  }
  if (method === '_test') {
    if (typeof kw.name !== 'string' && typeof kw.name !== 'number') throw new UsageError('_test auth needs name=NAME');
    return { method: '_test', name: String(kw.name) };
  }
  throw new UsageError(`unknown auth method '${method}' (root, password, _test)`);
}
