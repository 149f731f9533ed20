// Configuration layers for `distkv server` (docs/server-node.md "Configuration"): defaults, a
// YAML/JSON file (-c, or DISTKV_CONFIG), DISTKV_* environment variables, then -C key=value and
// the named flags. Each layer is a tree in DistKV's config shape; later layers win key by key
// (maps merge, everything else is replaced). Pure: text and env in, trees out.
import { parse as parseYaml } from 'yaml';
import { evalValue } from '../client/value-text.js';

export type ConfigTree = Record<string, unknown>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function isTree(v: unknown): v is ConfigTree {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

/** `over` on top of `base`: maps merge recursively, other values replace; neither input changes. */
export function mergeConfig(base: ConfigTree, over: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const b = out[k];
    out[k] = isTree(b) && isTree(v) ? mergeConfig(b, v) : v;
  }
  return out;
}

export function dig(cfg: ConfigTree, path: string): unknown {
  let o: unknown = cfg;
  for (const k of path.split('.')) {
    if (!isTree(o) || !Object.hasOwn(o, k)) return undefined;
    o = o[k];
  }
  return o;
}

/** A tree holding only `value` at dotted `key` ("server.ping.cycle"). */
export function treeAt(key: string, value: unknown): ConfigTree {
  const keys = key.split('.');
  if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) throw new ConfigError(`bad config key '${key}'`);
  let t: unknown = value;
  for (const k of keys.reverse()) t = { [k]: t };
  return t as ConfigTree;
}

/** A value typed as text (-C, environment): python literals or JSON are evaluated, the rest stays text. */
export function evalText(text: string): unknown {
  try {
    return evalValue(text);
  } catch {
    // stays a string, as python's -C does for e.g. 127.0.0.1:27586
    return text;
  }
}

/** python's `-C a.b.c=value`. */
export function overrideLayer(kv: string): ConfigTree {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new ConfigError(`-C wants key=value, got '${kv}'`);
  return treeAt(kv.slice(0, eq), evalText(kv.slice(eq + 1)));
}

/** A config file's text (YAML; JSON is YAML too). `name` is for error messages. */
export function parseConfigText(text: string, name: string): ConfigTree {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
  if (v === null || v === undefined) return {};
  if (!isTree(v)) throw new ConfigError(`${name}: the top level must be a map`);
  return v;
}

export const ENV_PREFIX = 'DISTKV_';
/** The environment variable naming a config file (like -c). */
export const ENV_CONFIG = 'DISTKV_CONFIG';

/**
 * `DISTKV_SERVER__BUFFER=20` → server.buffer = 20: after the prefix, `__` separates keys (a
 * single `_` stays part of a key, as in bind_default), names are lower-cased, values evaluated
 * as -C's. DISTKV_CONFIG is the file, not a key.
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigTree {
  let out: ConfigTree = {};
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!name.startsWith(ENV_PREFIX) || name === ENV_CONFIG || value === undefined) continue;
    const key = name.slice(ENV_PREFIX.length).toLowerCase().split('__').join('.');
    if (!key) continue;
    out = mergeConfig(out, treeAt(key, evalText(value)));
  }
  return out;
}
