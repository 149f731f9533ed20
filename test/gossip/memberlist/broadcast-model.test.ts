// The chunked TransmitLimitedQueue against the sorted-array one it replaced (broadcast-model.ts):
// on random operation sequences both must return the same messages, finish the same broadcasts
// in the same order and hold the same entries in the same order — the simulator's traces depend
// on it. Sequences queue in bulk too, so the list splits and merges its chunks.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { TransmitLimitedQueue, type Broadcast } from '../../../gossip/memberlist/broadcast.js';
import { SortedList } from '../../../gossip/memberlist/sorted-list.js';
import { ArrayTransmitLimitedQueue } from './broadcast-model.js';

type Kind = 'named' | 'unique' | 'keyed' | 'plain' | 'requeue';
type Op =
  | { op: 'queue'; kind: Kind; key: number; len: number; initial: number }
  | { op: 'bulk'; count: number; len: number }
  | { op: 'get'; overhead: number; limit: number }
  | { op: 'prune'; keep: number }
  | { op: 'nodes'; n: number }
  | { op: 'reset' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('queue' as const),
      kind: fc.constantFrom<Kind>('named', 'unique', 'keyed', 'plain', 'requeue'),
      key: fc.integer({ min: 0, max: 5 }),
      len: fc.integer({ min: 0, max: 12 }),
      initial: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bulk' as const), count: fc.integer({ min: 1, max: 300 }), len: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), overhead: fc.integer({ min: 0, max: 3 }), limit: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('prune' as const), keep: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nodes' as const), n: fc.integer({ min: 0, max: 120 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
);

interface Queue {
  queueBroadcast(b: Broadcast, initialTransmits?: number): void;
  getBroadcasts(overhead: number, limit: number): Uint8Array[];
  numQueued(): number;
  reset(): void;
  prune(maxRetain: number): void;
}

/** Drives one queue; broadcasts carry a serial number in their bytes so outputs compare as text. */
class Driver {
  readonly log: string[] = [];
  private serial = 0;
  private resetting = false;

  constructor(readonly q: Queue) {}

  make(kind: Kind, key: number, len: number): Broadcast & { key?: number } {
    const id = `#${this.serial++}`;
    const bytes = Buffer.from(id.padEnd(Math.max(len, id.length), '.').slice(0, Math.max(len, id.length)));
    const finished = () => {
      this.log.push(`fin ${id}`);
      // A finish callback that queues again: both queues must see the re-entry at the same point.
      if (kind === 'requeue' && !this.resetting && key % 2 === 0) this.q.queueBroadcast(this.make('unique', key + 1, len));
    };
    const b: Broadcast & { key?: number } = { message: () => bytes, finished };
    if (kind === 'named') return { ...b, name: `n${key}` };
    if (kind === 'unique' || kind === 'requeue') return { ...b, unique: true, key };
    if (kind === 'keyed') return { ...b, key, invalidates: (o) => (o as { key?: number }).key === key };
    return b;
  }

  run(op: Op, nodes: { n: number }): string {
    switch (op.op) {
      case 'queue':
        this.q.queueBroadcast(this.make(op.kind, op.key, op.len), op.initial);
        return '';
      case 'bulk':
        for (let i = 0; i < op.count; i++) this.q.queueBroadcast(this.make('unique', i, op.len + (i % 3)));
        return '';
      case 'get':
        return this.q.getBroadcasts(op.overhead, op.limit).map((m) => Buffer.from(m).toString()).join(' ');
      case 'prune':
        this.q.prune(op.keep);
        return '';
      case 'nodes':
        nodes.n = op.n;
        return '';
      case 'reset':
        this.resetting = true;
        this.q.reset();
        this.resetting = false;
        return '';
    }
  }
}

/** The queued entries in order, as "transmits/len/id:message" (white-box: both keep `items`). */
function contents(q: Queue): string[] {
  const items = (q as unknown as { items: unknown }).items;
  const list = items instanceof SortedList ? items.toArray() : (items as unknown[]);
  return (list as { transmits: number; msgLen: number; id: number; b: Broadcast }[]).map(
    (l) => `${l.transmits}/${l.msgLen}/${l.id}:${Buffer.from(l.b.message()).toString()}`,
  );
}

describe('memberlist broadcast queue: chunked list vs the sorted-array model', () => {
  it('same outputs, finishes and order on random operation sequences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(opArb, { maxLength: 80 }), (mult, ops) => {
        const nodes = { n: 10 };
        const model = new Driver(new ArrayTransmitLimitedQueue(mult, () => nodes.n));
        const real = new Driver(new TransmitLimitedQueue(mult, () => nodes.n));
        ops.forEach((op, step) => {
          const want = model.run(op, nodes);
          const got = real.run(op, nodes);
          const where = `step ${step} ${JSON.stringify(op)}`;
          assert.equal(got, want, where);
          assert.equal(real.q.numQueued(), model.q.numQueued(), where);
          assert.deepEqual(real.log, model.log, where);
          assert.deepEqual(contents(real.q), contents(model.q), where);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a deep queue drains in the same order', () => {
    const model = new ArrayTransmitLimitedQueue(4, () => 3);
    const real = new TransmitLimitedQueue(4, () => 3);
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(`event ${i} `.padEnd(20 + ((i * 7919) % 60), 'x'));
      for (const q of [model, real]) q.queueBroadcast({ message: () => bytes, unique: true });
      if (i % 10 === 9) assert.deepEqual(real.getBroadcasts(3, 1400), model.getBroadcasts(3, 1400));
    }
    while (model.numQueued() > 0) assert.deepEqual(real.getBroadcasts(3, 1400), model.getBroadcasts(3, 1400));
    assert.equal(real.numQueued(), 0);
  });
});

describe('SortedList', () => {
  it('matches a sorted array with insert-before-equals and removal by identity', () => {
    type E = { k: number };
    const before = (a: E, b: E) => a.k < b.k;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 }), fc.nat()), { maxLength: 600 }), (ops) => {
        const list = new SortedList<E>(before);
        const arr: E[] = [];
        for (const [add, k, pick] of ops) {
          if (add || arr.length === 0) {
            const e = { k };
            let i = arr.findIndex((x) => !before(x, e));
            if (i < 0) i = arr.length;
            arr.splice(i, 0, e);
            list.insert(e);
          } else {
            const e = arr[pick % arr.length]!;
            arr.splice(arr.indexOf(e), 1);
            assert.ok(list.remove(e));
            assert.ok(!list.remove(e));
          }
          assert.equal(list.size, arr.length);
        }
        const got = list.toArray();
        assert.equal(got.length, arr.length);
        got.forEach((e, i) => assert.equal(e, arr[i]));
        assert.equal(list.first(), arr[0]);
        assert.equal(list.last(), arr[arr.length - 1]);
        for (let k = -1; k <= 31; k++) assert.equal(list.lowerBound({ k }), arr.find((x) => !before(x, { k })));
      }),
      { numRuns: 200 },
    );
  });
});
