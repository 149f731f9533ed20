// Fuzzing the client protocol (fast-check): random requests with wrong or odd field types, random
// garbage bytes. The server must never crash or hit an unexpected exception (it logs those as
// "request failed"/"stream failed"), and a request answered with an error must leave the store's
// data and tick tables exactly as they were.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { encode, type Value, type ValueObject, decodeAll } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import type { Store } from '../../../store/store.js';
import { COMMANDS } from '../../../lib/client-protocol/commands.js';
import { memServer } from './helpers.js';

const RUNS = Number(process.env.FC_RUNS ?? 150);
const SEED = Number(process.env.FC_SEED ?? 1212);

function snapshot(store: Store): string {
  const s = store.getState({ nodes: true, known: true, present: true, deleted: true }) as ValueObject;
  delete s.tock;
  const vals: Value[] = [];
  for (const [e] of store.iterate(Path.ROOT, { empty: false })) vals.push([e.path, e.value as Value]);
  return Buffer.from(encode([s, vals, store.tick])).toString('hex');
}

const el = fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -2, max: 3 }), fc.constant(null), fc.boolean());
const pathArb = fc.array(el, { maxLength: 3 }).map((a) => Path.from(a));
const leaf: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -5, max: 1000 }),
  fc.constantFrom('x', 'test1', '', 'start', 'ack', 'end'),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: false }),
  pathArb,
  fc.uint8Array({ maxLength: 4 }),
);
const valueArb: fc.Arbitrary<Value> = fc.oneof(
  { depthSize: 'small' },
  leaf,
  fc.array(leaf, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('node', 'tick', 'prev', 'x'), leaf, { maxKeys: 3 }),
);
const FIELDS = ['path', 'value', 'nchain', 'chain', 'prev', 'idem', 'min_depth', 'max_depth', 'empty', 'fetch', 'with_data', 'node', 'tick', 'task', 'max', 'current', 'state', 'ack', 'qlen', 'full', 'nodes', 'present', 'tock'];
const actionArb = fc.oneof(fc.constantFrom(...Object.keys(COMMANDS)), fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null));
const requestArb = fc.record(
  { action: actionArb, fields: fc.dictionary(fc.constantFrom(...FIELDS), valueArb, { maxKeys: 6 }) },
  { requiredKeys: ['action'] },
);

async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
}

describe('client protocol: fuzz', function () {
  this.timeout(60_000);

  it(`${RUNS} random request sequences: no unexpected exception, error replies change nothing`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 6 }), fc.boolean(), async (reqs, hello) => {
        const srv = memServer();
        srv.store.setValue(['a', 1], 'one');
        srv.store.setValue(['a', 'b'], { x: 1 });
        const s = srv.connect();
        const got: ValueObject[] = [];
        s.onData((b) => got.push(...decodeAll(b).map((r) => r.value as ValueObject)));
        if (hello) s.write(encode({ seq: 0, qlen: 10 }));
        await settle();
        let seq = 0;
        for (const r of reqs) {
          const before = snapshot(srv.store);
          const n = got.length;
          const msg: ValueObject = { ...(r.fields as ValueObject), seq: ++seq };
          if (r.action !== undefined) msg.action = r.action as Value;
          // no files from random paths: this server has no persistence, save/log must refuse
          s.write(encode(msg));
          await settle();
          const replies = got.slice(n).filter((m) => m.seq === seq);
          if (replies.some((m) => 'error' in m) && !replies.some((m) => m.state === 'start'))
            assert.equal(snapshot(srv.store), before, `error reply but the store changed: ${JSON.stringify(replies)}`);
        }
        const bad = srv.logger.records.filter((x) => x.level === 'warn' || x.level === 'error');
        assert.deepEqual(bad.map((x) => `${x.message} ${JSON.stringify(x.fields)}`), []);
        s.destroy();
        await settle();
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`${RUNS} random byte strings: an error reply or a closed connection, never a crash or a change`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean(), async (bytes, prefixValid) => {
        const srv = memServer({ maxMessageBytes: 32 });
        const before = snapshot(srv.store);
        const s = srv.connect();
        const got: ValueObject[] = [];
        s.onData((b) => {
          try {
            got.push(...decodeAll(b).map((r) => r.value as ValueObject));
          } catch {
            got.push({ undecodable: true });
          }
        });
        if (prefixValid) s.write(encode({ seq: 1, action: 'get_tock' }));
        s.write(bytes);
        await settle();
        assert.equal(snapshot(srv.store), before);
        assert.ok(!got.some((m) => m.undecodable), 'the server only sends msgpack maps');
        s.destroy();
        await settle();
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });
});
