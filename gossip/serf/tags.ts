// Tags live in memberlist's node metadata: 0xff then a msgpack map[string]string. Protocol < 3
// members (and metadata not starting with 0xff) carry only a role: the raw bytes are the role.
import { asMap, asString, decodeOne, encode } from '../msgpack-go.js';
import { encodeStringMap } from './codec.js';

export const TAG_MAGIC_BYTE = 0xff;

export type Tags = Map<string, string>;

/** Serf's encodeTags: the role-only form below protocol 3, else magic byte + sorted map. */
export function encodeTags(tags: ReadonlyMap<string, string>, protocolVersion = 4): Uint8Array {
  if (protocolVersion < 3) return new TextEncoder().encode(tags.get('role') ?? '');
  const body = encode(encodeStringMap(new Map(tags)));
  const out = new Uint8Array(body.length + 1);
  out[0] = TAG_MAGIC_BYTE;
  out.set(body, 1);
  return out;
}

/**
 * Serf's decodeTags. Like Go, it never fails: an undecodable tag map yields no tags (Go logs
 * and goes on), reported through `onError`.
 */
export function decodeTags(buf: Uint8Array, onError?: (e: unknown) => void): Tags {
  const tags: Tags = new Map();
  if (buf.length === 0 || buf[0] !== TAG_MAGIC_BYTE) {
    tags.set('role', new TextDecoder().decode(buf));
    return tags;
  }
  try {
    for (const [k, v] of asMap(decodeOne(buf, 1, { what: 'serf tags' }).value, 'serf tags').entries) {
      tags.set(asString(k, 'tag name'), asString(v, 'tag value'));
    }
  } catch (e) {
    onError?.(e);
    tags.clear();
  }
  return tags;
}
