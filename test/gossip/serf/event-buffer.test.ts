import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { QueryBuffer, UserEventBuffer } from '../../../gossip/serf/event-buffer.js';
import { LamportClock } from '../../../gossip/serf/lamport.js';

const ev = (name: string, payload: number[] | null = null) => ({ name, payload: payload && Uint8Array.from(payload) });

describe('serf event and query buffers', () => {
  it('delivers an event once per (LTime, name, payload); nil and empty payloads are equal', () => {
    const b = new UserEventBuffer(new LamportClock());
    assert.equal(b.receive(5, ev('deploy', [1])), 'new');
    assert.equal(b.receive(5, ev('deploy', [1])), 'duplicate');
    assert.equal(b.receive(5, ev('deploy', [2])), 'new');
    assert.equal(b.receive(5, ev('other', [1])), 'new');
    assert.equal(b.receive(6, ev('deploy', [1])), 'new');
    assert.equal(b.receive(7, ev('x', null)), 'new');
    assert.equal(b.receive(7, ev('x', [])), 'duplicate');
  });

  it('witnesses the event clock', () => {
    const clock = new LamportClock();
    const b = new UserEventBuffer(clock);
    b.receive(10, ev('a'));
    assert.equal(clock.time(), 11);
  });

  it('drops events older than clock - 512, and before minTime', () => {
    const clock = new LamportClock();
    const b = new UserEventBuffer(clock);
    clock.witness(999); // clock 1000
    assert.equal(b.receive(487, ev('a')), 'too-old'); // 487 < 1000 - 512 = 488
    assert.equal(b.receive(488, ev('a')), 'new');
    b.minTime = 900;
    assert.equal(b.receive(899, ev('b')), 'before-min');
    assert.equal(b.receive(900, ev('b')), 'new');
  });

  it('a slot is reused by a later LTime, which forgets the old one', () => {
    const clock = new LamportClock();
    const b = new UserEventBuffer(clock, 4);
    assert.equal(b.receive(1, ev('a')), 'new');
    assert.equal(b.receive(5, ev('b')), 'new'); // same slot (5 % 4 == 1)
    assert.deepEqual(b.snapshot()[1], { ltime: 5, events: [ev('b')] });
    assert.equal(b.receive(2, ev('a')), 'new');
  });

  it('snapshot carries every slot, nil included', () => {
    const b = new UserEventBuffer(new LamportClock());
    b.receive(3, ev('x', [9]));
    const s = b.snapshot();
    assert.equal(s.length, 512);
    assert.deepEqual(s[3], { ltime: 3, events: [ev('x', [9])] });
    assert.equal(s.filter((x) => x !== null).length, 1);
  });

  it('any interleaving delivers each distinct recent event exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(300), fc.constantFrom('a', 'b'), fc.nat(2)), { maxLength: 200 }), (msgs) => {
        const b = new UserEventBuffer(new LamportClock());
        const delivered = new Set<string>();
        for (const [lt, name, p] of msgs) {
          const key = `${lt}/${name}/${p}`;
          const v = b.receive(lt, ev(name, [p]));
          if (v === 'new') {
            assert.ok(!delivered.has(key), key);
            delivered.add(key);
          } else if (v === 'duplicate') assert.ok(delivered.has(key), key);
        }
        // all LTimes < 512, so nothing is too old: each distinct message was delivered
        assert.equal(delivered.size, new Set(msgs.map(([l, n, p]) => `${l}/${n}/${p}`)).size);
      }),
    );
  });

  it('many events at one LTime (the hash index past 16): each distinct one delivered once, order kept', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.constantFrom('a', 'b', 'ab'), fc.array(fc.nat(3), { maxLength: 3 })), { minLength: 20, maxLength: 300 }), (msgs) => {
        const b = new UserEventBuffer(new LamportClock(), 4);
        const delivered = new Map<number, string[]>();
        for (const [lt, name, p] of msgs) {
          const key = `${name}/${p.join(',')}`;
          const mine = delivered.get(lt) ?? [];
          assert.equal(b.receive(lt, ev(name, p)), mine.includes(key) ? 'duplicate' : 'new', `${lt} ${key}`);
          if (!mine.includes(key)) delivered.set(lt, [...mine, key]);
        }
        for (const [lt, keys] of delivered) {
          const slot = b.snapshot()[lt]!;
          assert.deepEqual(slot.events.map((e) => `${e.name}/${[...(e.payload ?? [])].join(',')}`), keys);
        }
      }),
    );
  });

  it('queries dedup by (LTime, id)', () => {
    const clock = new LamportClock();
    const q = new QueryBuffer(clock);
    assert.equal(q.receive(3, 77), 'new');
    assert.equal(q.receive(3, 77), 'duplicate');
    assert.equal(q.receive(3, 78), 'new');
    assert.equal(clock.time(), 4);
    clock.witness(2000);
    assert.equal(q.receive(3, 79), 'too-old');
    q.minTime = 1990;
    assert.equal(q.receive(1989, 1), 'before-min');
  });
});
