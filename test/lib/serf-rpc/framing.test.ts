import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError } from '../../../gossip/decode-error.js';
import { encode, type GoValue } from '../../../gossip/msgpack-go.js';
import { ValueReader } from '../../../lib/serf-rpc/framing.js';
import { encodeRequest } from '../../../lib/serf-rpc/protocol.js';

async function drain(r: ValueReader): Promise<GoValue[]> {
  const out: GoValue[] = [];
  for (let v = await r.next(); v !== undefined; v = await r.next()) out.push(v);
  return out;
}

describe('serf-rpc framing (ValueReader)', () => {
  it('yields values split at any byte boundary, including nil values', async () => {
    const bytes = Buffer.concat([encodeRequest('event', 7, { Name: 'x', Payload: new Uint8Array([1, 2]) }), encode(null), encodeRequest('stop', 8)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new ValueReader();
      const got = drain(r);
      r.push(bytes.subarray(0, cut));
      await Promise.resolve();
      r.push(bytes.subarray(cut));
      r.end();
      const vals = await got;
      assert.equal(vals.length, 4, `cut at ${cut}`);
      assert.equal(vals[2], null);
    }
  });

  it('a pending next() waits for the rest of a value', async () => {
    const r = new ValueReader();
    const p = r.next();
    const b = encode({ Seq: 1, Command: 'members' });
    r.push(b.subarray(0, 3));
    let done = false;
    void p.then(() => (done = true));
    await new Promise((res) => setImmediate(res));
    assert.equal(done, false);
    r.push(b.subarray(3));
    assert.ok((await p) !== undefined);
  });

  it('rejects garbage and over-long values with DecodeError, then stays failed', async () => {
    const r = new ValueReader();
    r.push(new Uint8Array([0xc1]));
    await assert.rejects(r.next(), DecodeError);
    await assert.rejects(r.next(), DecodeError);
    const small = new ValueReader(16);
    small.push(new Uint8Array([0xdc, 0x00, 0x20, ...new Array(20).fill(1)]));
    await assert.rejects(small.next(), DecodeError);
  });

  it('fuzz: arbitrary bytes in arbitrary chunks give values or a DecodeError, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), async (chunks) => {
        const r = new ValueReader(256);
        const got = drain(r).then(
          () => 'ok',
          (e: unknown) => {
            assert.ok(e instanceof DecodeError, String(e));
            return 'err';
          },
        );
        for (const c of chunks) r.push(c);
        r.end();
        await got;
      }),
      { numRuns: 400 },
    );
  });
});
