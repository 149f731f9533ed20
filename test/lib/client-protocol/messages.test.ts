// msg_send / msg_monitor on an in-memory bus: topic names (`.`-joined, ':' gets the root),
// packed data vs raw bytes, undecodable payloads, stop; a server without a bus refuses; fuzzed
// requests never crash, never log a warning, and a refused send puts nothing on the bus.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DistkvClient, ServerError } from '../../../lib/client/client.js';
import type { MessageBus } from '../../../lib/client-protocol/context.js';
import { decode, decodeAll, encode, type Value, type ValueObject } from '../../../store/codec.js';
import { Path } from '../../../store/path.js';
import { memServer } from './helpers.js';

function memBus(): MessageBus & { sent: [string, Uint8Array][] } {
  const handlers = new Set<(n: string, p: Uint8Array) => void>();
  const sent: [string, Uint8Array][] = [];
  return {
    sent,
    send(name, payload) {
      sent.push([name, payload]);
      queueMicrotask(() => {
        for (const h of [...handlers]) h(name, payload);
      });
      return true;
    },
    onEvent(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond());
}

describe('client protocol: msg_send / msg_monitor', () => {
  it('sends packed data or raw bytes under the joined topic; a monitor of that exact topic sees them', async () => {
    const bus = memBus();
    const srv = memServer({ replica: { messages: bus, messageRoot: ':dk' } });
    const c = await DistkvClient.connect({ stream: srv.connect() });
    const got: ValueObject[] = [];
    const mon = c.msgMonitor(['a', 'b']);
    const reader = (async () => {
      for await (const m of mon) got.push(m);
    })();
    await c.request('get_tock'); // the monitor is registered once a later request is answered
    await c.msgSend(['a', 'b'], { data: { x: [1, 'two'] } });
    await c.msgSend(['a'], { data: 'elsewhere' });
    await c.msgSend(['a', 'b'], { raw: new Uint8Array([0x01]) });
    await c.msgSend([':x'], { data: 1 });
    assert.deepEqual(
      bus.sent.map(([n]) => n),
      ['a.b', 'a', 'a.b', ':dk.:x'],
    );
    assert.deepEqual(decode(bus.sent[0]![1]), { x: [1, 'two'] });
    await until(() => got.length === 2);
    assert.deepEqual(got[0]!.topic, ['a', 'b']);
    assert.deepEqual(got[0]!.data, { x: [1, 'two'] });
    assert.equal(got[1]!.data, 1, 'raw bytes 0x01 unpack as 1');
    await mon.stop();
    await reader;
    c.close();
  });

  it('raw monitors get bytes; an undecodable payload arrives with its error; no bus = an error reply', async () => {
    const bus = memBus();
    const srv = memServer({ replica: { messages: bus } });
    const c = await DistkvClient.connect({ stream: srv.connect() });
    const raw: ValueObject[] = [];
    const m1 = c.msgMonitor(['t'], { raw: true });
    const r1 = (async () => {
      for await (const m of m1) raw.push(m);
    })();
    const m2 = c.msgMonitor(['t']);
    let failure: unknown;
    const r2 = (async () => {
      for await (const _ of m2);
    })().catch((e: unknown) => void (failure = e));
    await c.request('get_tock');
    await c.msgSend(['t'], { raw: new Uint8Array([0xc1]) });
    await until(() => raw.length === 1 && failure !== undefined);
    assert.deepEqual([...(raw[0]!.raw as Uint8Array)], [0xc1]);
    assert.ok(failure instanceof ServerError && /DecodeError/.test(failure.message));
    await m1.stop();
    await r1;
    await r2;
    await assert.rejects(c.msgSend([], { data: 1 }), /topic must be non-empty strings/);
    c.close();

    const bare = memServer();
    const d = await DistkvClient.connect({ stream: bare.connect() });
    await assert.rejects(d.msgSend(['t'], { data: 1 }), /no message bus/);
    d.close();
  });

  it('fuzz: random msg_send / msg_monitor requests never crash or warn; refused sends put nothing on the bus', async () => {
    const leaf: fc.Arbitrary<Value> = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null), fc.uint8Array({ maxLength: 3 }), fc.boolean());
    const field = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.constant(Path.of('a', 'b')));
    const req = fc.record({
      action: fc.constantFrom('msg_send', 'msg_monitor'),
      topic: field,
      data: fc.option(field, { nil: undefined }),
      raw: fc.option(field, { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(req, { minLength: 1, maxLength: 5 }), async (reqs) => {
        const bus = memBus();
        const srv = memServer({ replica: { messages: bus } });
        const s = srv.connect();
        const got: ValueObject[] = [];
        s.onData((b) => got.push(...decodeAll(b).map((r) => r.value as ValueObject)));
        let seq = 0;
        for (const r of reqs) {
          const msg: ValueObject = { seq: ++seq, action: r.action, topic: r.topic };
          if (r.data !== undefined) msg.data = r.data;
          if (r.raw !== undefined) msg.raw = r.raw;
          const before = bus.sent.length;
          s.write(encode(msg));
          for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res));
          const replies = got.filter((m) => m.seq === seq);
          if (r.action === 'msg_send') {
            assert.equal(replies.length, 1);
            assert.equal(bus.sent.length - before, 'error' in replies[0]! ? 0 : 1);
          }
        }
        const bad = srv.logger.records.filter((x) => x.level === 'warn' || x.level === 'error');
        assert.deepEqual(bad.map((x) => x.message), []);
        s.destroy();
      }),
      { numRuns: 100, seed: 77 },
    );
  });
});
