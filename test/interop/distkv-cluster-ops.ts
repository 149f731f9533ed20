// Writes and whole-tree reads against any DistKV server (ours or Python's) with our client
// library, for the multi-server interop tests: one round of set / overwrite / delete / subtree
// delete under a prefix, and the tree a server holds, to compare servers with each other.
import { DistkvClient } from '../../lib/client/client.js';
import { Path } from '../../store/path.js';
import type { Value } from '../../store/codec.js';

export async function withClient<T>(port: number, f: (c: DistkvClient) => Promise<T>): Promise<T> {
  const c = await DistkvClient.connect({ host: '127.0.0.1', port, timeoutMs: 10_000 });
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

/**
 * Under PREFIX: set v1, v2, sub.a, sub.b; overwrite v1; delete v2; delete the subtree sub.
 * Leaves PREFIX.v1 = `${tag}-over` and PREFIX.keep = tag; returns what the tree must then hold there.
 */
export async function writeRound(port: number, prefix: string, tag: string): Promise<Record<string, Value>> {
  const p = (s: string) => Path.parse(`${prefix}.${s}`);
  await withClient(port, async (c) => {
    await c.set(p('v1'), `${tag}-1`);
    await c.set(p('v2'), `${tag}-2`);
    await c.set(p('sub.a'), `${tag}-a`);
    await c.set(p('sub.b'), `${tag}-b`);
    await c.set(p('keep'), tag);
    await c.set(p('v1'), `${tag}-over`);
    await c.delete(p('v2'));
    await c.deleteTree(p('sub'));
  });
  return { [`${prefix}.v1`]: `${tag}-over`, [`${prefix}.keep`]: tag };
}

/** Every value a server holds, as "a.b" → value (bytes as hex, to compare as JSON). */
export async function treeOf(port: number): Promise<Record<string, unknown>> {
  return withClient(port, async (c) => {
    const out: Record<string, unknown> = {};
    for await (const m of c.getTree(Path.ROOT)) {
      if (!('value' in m)) continue;
      const path = (m.path as Path).elements.map(String).join('.');
      out[path] = m.value instanceof Uint8Array ? Buffer.from(m.value).toString('hex') : m.value;
    }
    return out;
  });
}

/** Stable text of a tree, for deep comparisons in waitFor and failure messages. */
export function treeText(t: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(t).sort().map((k) => [k, t[k]]));
}
