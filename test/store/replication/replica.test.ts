// The Replica's message handling on a loopback bus with a manual clock: what it broadcasts for
// local changes, how it fills messages, ignores its own info, re-sends what peers report missing
// (entry form, rate limited), asks for what it lacks once per seen_missing window, learns ticks
// from pings, and broadcasts node_drop.
import { strict as assert } from 'node:assert';
import { decode, encode, type Value } from '../../../store/codec.js';
import { Replica } from '../../../store/replica.js';
import { RangeSet } from '../../../store/range-set.js';
import { Store } from '../../../store/store.js';
import { updateToWire } from '../../../store/update-wire.js';
import { LoopbackMedium, ManualClock, testRandom } from './helpers.js';

const quiet = { log() {} };

function setup(name = 'ts1', opts: Partial<ConstructorParameters<typeof Replica>[0]> = {}) {
  const clock = new ManualClock();
  const medium = new LoopbackMedium(clock);
  const replica = new Replica({ store: new Store(name), bus: medium.bus(name), clock, random: testRandom(7), logger: quiet, ping: { cycle: 3, gap: 1 }, loaded: true, firstSeq: 1, ...opts });
  replica.start();
  return { clock, medium, replica, store: replica.store };
}

const sentOf = (medium: LoopbackMedium, action: string) =>
  medium.sent.filter((s) => s.name === `:distkv.${action}`).map((s) => decode(s.payload) as Record<string, unknown>);

describe('store/replica', () => {
  it('broadcasts a local change in the broadcast form, byte for byte', () => {
    const { medium, store } = setup();
    store.setValue(['a', 'b'], 'v');
    const e = store.get(['a', 'b'])!;
    const ups = medium.sent.filter((s) => s.name === ':distkv.update');
    assert.equal(ups.length, 1);
    assert.deepEqual(ups[0]!.payload, encode(updateToWire(e.chain!, e.path, 'v', e.tock, 5) as unknown as Value));
    assert.deepEqual(Object.keys(decode(ups[0]!.payload) as object), ['node', 'tick', 'prev', 'path', 'value', 'tock']);
  });

  it('fills info as python does: tock, node, tick appended; own info is ignored', async () => {
    const { medium, replica, clock, store } = setup();
    replica.send('info', { ticks: { x: 5 } });
    const info = sentOf(medium, 'info')[0]!;
    assert.deepEqual(Object.keys(info), ['ticks', 'tock', 'node', 'tick']);
    assert.equal(info.node, 'ts1');
    await clock.run(1);
    assert.equal(store.knownNode('x'), undefined, 'our own info is not applied');
  });

  it('re-sends reported ticks in the entry form after cycle·(1+r/3), then reports known ticks', async () => {
    const { medium, clock, store } = setup();
    store.setValue(['k', 1], 'one'); // tick 1
    store.setValue(['k', 2], 'two'); // tick 2
    store.setValue(['k', 1], 'uno'); // tick 3 supersedes 1
    // (the actor's start-up init + vers are spread over the first cycle: not counted)
    const notActor = () => medium.sent.filter((s) => !s.name.endsWith('.ping')).length;
    const before = notActor();
    // a peer says it misses our ticks 1..3
    medium.bus('peer').send(':distkv.info', encode({ missing: { ts1: [[1, 4]] }, tock: 1, node: 'peer', tick: 0 }));
    await clock.run(2_900);
    assert.equal(notActor(), before + 1, 'nothing before a cycle');
    await clock.run(1_200);
    const resent = sentOf(medium, 'update').slice(3);
    assert.deepEqual(
      resent.map((m) => [(m.chain as Record<string, unknown>).tick, m.value]),
      [[2, 'two'], [3, 'uno']],
    );
    assert.deepEqual(Object.keys(resent[0]!), ['value', 'chain', 'tock', 'path', 'node', 'tick']);
    const infos = sentOf(medium, 'info').filter((m) => m.node === 'ts1');
    assert.deepEqual(infos.at(-1)!.known, { ts1: [1] });
    assert.deepEqual(store.node('ts1').reported.toWire(), [1], 're-sent ticks leave reported (python keeps the known one)');
  });

  it('re-sends are rate limited', async () => {
    const { medium, clock, store } = setup('ts1', { gapRepair: { resendPerSecond: 50 } });
    for (let i = 0; i < 200; i++) store.setValue(['m', i], i);
    medium.bus('peer').send(':distkv.info', encode({ missing: { ts1: [[1, 201]] }, node: 'peer' }));
    await clock.run(4_100); // the re-send task starts within cycle·4/3
    const n0 = sentOf(medium, 'update').length - 200;
    assert.ok(n0 <= 50 * 1 + 50, `burst ${n0}`);
    await clock.run(5_000);
    assert.equal(sentOf(medium, 'update').length - 200, 200, 'all re-sent eventually');
  });

  it('asks for missing ticks once per seen_missing window (python never asks again)', async () => {
    const { medium, clock, replica, store } = setup();
    store.node('py', 3); // py wrote ticks 1..3, we hold none
    replica.gapRepair.sendMissing();
    replica.gapRepair.sendMissing();
    const asks = () => sentOf(medium, 'info').filter((m) => m.missing);
    assert.equal(asks().length, 1);
    assert.deepEqual(asks()[0]!.missing, { py: [[1, 4]] });
    await clock.run(3 * 3_000 + 1);
    replica.gapRepair.sendMissing();
    assert.equal(asks().length, 2, 'asked again after the window');
  });

  it('learns a sender tick and tock from its ping value', async () => {
    const { medium, clock, store } = setup();
    medium.bus('py').send(':distkv.ping', encode({ t: 'ping', node: 'py', value: [500, 42], history: ['py'] }));
    await clock.run(1);
    assert.equal(store.knownNode('py')!.tick, 42);
    assert.ok(store.currentTock >= 500);
    assert.deepEqual(store.node('py').missing(), RangeSet.span(1, 43));
  });

  it('kill_node drops the node and broadcasts node_drop', () => {
    const { medium, replica, store } = setup();
    store.node('dead', 0);
    replica.killNode('dead');
    assert.equal(store.knownNode('dead'), undefined);
    assert.deepEqual(sentOf(medium, 'info').at(-1)!.node_drop, ['dead']);
  });

  it('drops garbage on every topic without throwing', async () => {
    const { medium, clock, replica } = setup();
    for (const t of ['update', 'info', 'ping', 'del']) {
      medium.bus('x').send(`:distkv.${t}`, new Uint8Array([0xc1]));
      medium.bus('x').send(`:distkv.${t}`, encode({ path: 5 }));
    }
    await clock.run(1);
    assert.ok(replica.stats.bad >= 4);
  });
});

describe('store/replica fuzz', () => {
  it('any decoded map on update/info/notice/ping/del never throws and never breaks the replica', async () => {
    const fc = (await import('fast-check')).default;
    const { valueArb } = await import('../codec-arbitraries.js');
    const keys = fc.constantFrom('node', 'tick', 'prev', 'path', 'value', 'tock', 'chain', 'ticks', 'missing', 'known', 'deleted', 'node_drop', 'superseded', 'size', 'sha256', '_p0', 't', 'history');
    const msgArb = fc.dictionary(keys, fc.oneof(valueArb, fc.constant(null), fc.constant('ts1'), fc.constant('py'), fc.array(fc.nat(50), { maxLength: 3 }), fc.dictionary(fc.constantFrom('py', 'ts1', 'x'), fc.oneof(fc.nat(50), fc.array(fc.oneof(fc.nat(50), fc.tuple(fc.nat(20), fc.nat(60))), { maxLength: 3 })))), { maxKeys: 6 });
    const { clock, medium, replica, store } = setup();
    store.setValue(['a'], 1);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('update', 'info', 'notice', 'ping', 'del'), msgArb, async (action, msg) => {
        let bytes: Uint8Array;
        try {
          bytes = encode(msg as Value);
        } catch {
          return; // the generator made something msgpack cannot carry
        }
        medium.bus('fuzz').send(`:distkv.${action}`, bytes);
        sent++;
        await clock.run(1);
        assert.ok(!replica.stopped);
      }),
      { numRuns: 400 },
    );
    assert.ok(sent > 200, `only ${sent} messages encodable`);
    // still works afterwards
    store.setValue(['b'], 2);
    assert.equal(store.get(['b'])?.value, 2);
  });
});

describe('store/replica vs the capture', () => {
  it('split recovery infos are byte-identical to python test2 (+80.8 s, +85.8 s)', () => {
    const clock = new ManualClock();
    const medium = new LoopbackMedium(clock);
    const store = new Store('test2');
    const replica = new Replica({ store, bus: medium.bus('test2'), clock, random: testRandom(1), logger: quiet, loaded: true, firstSeq: 1 });
    replica.start();
    store.node('test2', 3).superseded.add(1, 4);
    store.node('test1', 4).superseded.add(1, 5);
    store.node('test3');
    medium.sent.length = 0;
    store.tockSeen(84);
    (replica as unknown as { recoveryHost(): { sendTicks(): void } }).recoveryHost().sendTicks();
    store.tockSeen(97);
    replica.gapRepair.sendMissing(true);
    assert.deepEqual(
      medium.sent.map((s) => Buffer.from(s.payload).toString('hex')),
      [
        '84a57469636b7383a5746573743203a5746573743104a57465737433c0a4746f636b55a46e6f6465a57465737432a47469636b03',
        '84a76d697373696e6780a4746f636b62a46e6f6465a57465737432a47469636b03',
      ],
    );
    replica.stop();
  });
});
