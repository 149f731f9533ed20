// Every DistKV message captured from the real Python peer decodes, and re-encodes to exactly the
// bytes Python sent (the vectors live in ../shared/peers/distkv-py/vectors/).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsgStreamDecoder, decode, dictGet, encode, isDict } from '../../store/codec.js';
import { hex, unhex } from './codec-arbitraries.js';

const VECTORS = join(import.meta.dirname, '../../../shared/peers/distkv-py/vectors');

/** Decodes a stream of chunks; returns [original bytes, re-encoded bytes] per value. */
function streamPairs(chunks: Uint8Array[]): [string, string][] {
  const all = Buffer.concat(chunks);
  const d = new MsgStreamDecoder();
  const recs = chunks.flatMap((c) => d.pushRecords(c));
  d.finish();
  return recs.map((r) => [all.subarray(r.offset, r.end).toString('hex'), hex(encode(r.value))]);
}

describe('store/codec against captured Python DistKV traffic', function () {
  before(function () {
    if (!existsSync(VECTORS)) {
      console.warn(`SKIPPED: no DistKV vectors at ${VECTORS}`);
      this.skip();
    }
  });

  for (const f of ['events-a', 'events-b', 'events-c']) {
    it(`Serf event payloads in raw/${f}.jsonl re-encode byte-identically`, () => {
      const lines = readFileSync(join(VECTORS, 'raw', `${f}.jsonl`), 'utf8').split('\n').filter(Boolean);
      let n = 0;
      for (const l of lines) {
        const ev = JSON.parse(l) as { name?: string; payload_hex?: string };
        if (!ev.payload_hex) continue;
        assert.equal(hex(encode(decode(unhex(ev.payload_hex)))), ev.payload_hex, ev.name);
        n++;
      }
      assert.ok(n >= 20, `only ${n} payloads`);
    });
  }

  for (const f of ['client-to-test1', 'client-to-test2']) {
    it(`client-protocol streams in raw/${f}.jsonl (chunked as captured) re-encode byte-identically`, () => {
      const streams = new Map<string, Uint8Array[]>();
      for (const l of readFileSync(join(VECTORS, 'raw', `${f}.jsonl`), 'utf8').split('\n').filter(Boolean)) {
        const c = JSON.parse(l) as { conn: number; dir: string; hex: string };
        const k = `${c.conn} ${c.dir}`;
        if (!streams.has(k)) streams.set(k, []);
        streams.get(k)!.push(unhex(c.hex));
      }
      let n = 0;
      for (const [k, chunks] of streams) {
        for (const [orig, re] of streamPairs(chunks)) {
          assert.equal(re, orig, k);
          n++;
        }
      }
      assert.ok(n >= 10, `only ${n} messages`);
    });
  }

  it('client-capture.txt (library and CLI session) re-encodes byte-identically', () => {
    const text = readFileSync(join(VECTORS, 'client-capture.txt'), 'utf8');
    const streams = new Map<string, Uint8Array[]>();
    let key = '';
    for (const line of text.split('\n')) {
      const head = /^#\d+ conn=(\d+) (\S+)/.exec(line);
      if (head) key = `${head[1]} ${head[2]}`;
      const h = /^\s+hex: ([0-9a-f]+)$/.exec(line);
      if (h && key) {
        if (!streams.has(key)) streams.set(key, []);
        streams.get(key)!.push(unhex(h[1]!));
      }
    }
    let n = 0;
    for (const [k, chunks] of streams) for (const [orig, re] of streamPairs(chunks)) (assert.equal(re, orig, k), n++);
    assert.ok(n >= 10, `only ${n} messages`);
  });

  it('serf-events.txt: every DistKV payload inside the Serf RPC traffic re-encodes byte-identically', () => {
    const text = readFileSync(join(VECTORS, 'serf-events.txt'), 'utf8');
    const streams = new Map<string, Uint8Array[]>();
    for (const m of text.matchAll(/^#\d+ (\S+) \(\d+ bytes\) hex: ([0-9a-f]+)$/gm)) {
      if (!streams.has(m[1]!)) streams.set(m[1]!, []);
      streams.get(m[1]!)!.push(unhex(m[2]!));
    }
    let n = 0;
    for (const chunks of streams.values()) {
      const d = new MsgStreamDecoder();
      for (const v of chunks.flatMap((c) => d.push(c))) {
        const payload = isDict(v) ? dictGet(v, 'Payload') : undefined;
        if (!(payload instanceof Uint8Array)) continue;
        assert.equal(hex(encode(decode(payload))), hex(payload));
        n++;
      }
    }
    assert.ok(n >= 10, `only ${n} payloads`);
  });
});
