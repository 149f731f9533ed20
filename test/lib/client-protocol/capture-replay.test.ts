// Replays the client side of a captured Python DistKV 0.57.4 session (client library + CLI,
// ../shared/peers/distkv-py/vectors/client-capture.txt) against our server started as the
// captured one was (`server -I initial_value test1`), and compares what our server answers with
// what the Python server answered: byte for byte on the first connection (even the tocks), and
// byte for byte with tock values masked on the later ones (python spent tocks on Serf broadcasts
// between connections; we have no broadcasts yet).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAll, encode, isDict, type Value } from '../../../store/codec.js';
import { connectTcp } from '../../../lib/client/tcp.js';
import { listenTcp, MemoryLogger, RealClock } from '../../../lib/runtime/index.js';
import { DistkvServer } from '../../../lib/server.js';

const CAPTURE = join(import.meta.dirname, '../../../../shared/peers/distkv-py/vectors/client-capture.txt');

interface Chunk {
  conn: number;
  dir: 'C>S' | 'S>C';
  bytes: Uint8Array;
}

function parseCapture(text: string): Chunk[] {
  const out: Chunk[] = [];
  const re = /^#\d+ conn=(\d+) (C>S|S>C) .*\n\s+hex: ([0-9a-f]+)$/gm;
  for (const m of text.matchAll(re)) out.push({ conn: Number(m[1]), dir: m[2] as Chunk['dir'], bytes: Buffer.from(m[3]!, 'hex') });
  return out;
}

function maskTocks(v: Value): Value {
  if (!isDict(v) || v instanceof Map) return v;
  const o = { ...v };
  if ('tock' in o) o.tock = 0;
  return o;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('client protocol: replay of a captured Python client session', function () {
  this.timeout(20_000);
  let server: DistkvServer;
  let port: number;

  before(async function () {
    if (!existsSync(CAPTURE)) {
      console.warn(`SKIPPED: no capture at ${CAPTURE}`);
      this.skip();
    }
    const logger = new MemoryLogger();
    const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
    server = new DistkvServer({ name: 'test1', clock: new RealClock(), logger, clientTransport: transport, init: 'initial_value' });
    await server.start();
    port = transport.localAddr().port;
  });
  after(() => server?.stop());

  it('answers every captured request with the captured bytes (tocks masked after the first connection)', async () => {
    const chunks = parseCapture(readFileSync(CAPTURE, 'utf8'));
    const conns = [...new Set(chunks.map((c) => c.conn))];
    assert.deepEqual(conns, [1, 2, 3]);
    for (const conn of conns) {
      const mine = chunks.filter((c) => c.conn === conn);
      const expected = mine.filter((c) => c.dir === 'S>C');
      const s = await connectTcp({ host: '127.0.0.1', port });
      let got = new Uint8Array(0);
      let waiter: (() => void) | undefined;
      s.onData((b) => {
        got = Buffer.concat([got, b]);
        waiter?.();
      });
      s.onClose(() => waiter?.());
      const wantBytes = async (n: number): Promise<void> => {
        const deadline = Date.now() + 5000;
        while (got.length < n && Date.now() < deadline) await new Promise<void>((r) => ((waiter = r), setTimeout(r, 50)));
      };
      let expectLen = 0;
      for (const c of mine) {
        if (c.dir === 'S>C') {
          expectLen += c.bytes.length;
          continue;
        }
        await wantBytes(expectLen);
        s.write(c.bytes);
      }
      await wantBytes(expectLen);
      s.destroy();
      const want = Buffer.concat(expected.map((c) => c.bytes));
      if (conn === 1) assert.equal(hex(got), hex(want), 'connection 1, byte for byte');
      else
        assert.deepEqual(
          decodeAll(got).map((r) => hex(encode(maskTocks(r.value)))),
          decodeAll(want).map((r) => hex(encode(maskTocks(r.value)))),
          `connection ${conn}, tocks masked`,
        );
    }
  });
});
