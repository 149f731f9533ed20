import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { retransmitLimit, TransmitLimitedQueue, type Broadcast } from '../../../gossip/memberlist/broadcast.js';

const text = (b: Uint8Array) => Buffer.from(b).toString();
function named(name: string, msg: string, finished?: () => void): Broadcast {
  const bytes = Buffer.from(msg);
  return { name, message: () => bytes, ...(finished ? { finished } : {}) };
}

describe('memberlist broadcast queue (TransmitLimitedQueue)', () => {
  it('retransmit limit is mult · ceil(log10(n+1)) as in memberlist', () => {
    assert.equal(retransmitLimit(4, 0), 0);
    assert.equal(retransmitLimit(4, 1), 4);
    assert.equal(retransmitLimit(4, 9), 4);
    assert.equal(retransmitLimit(4, 10), 8);
    assert.equal(retransmitLimit(4, 99), 8);
    assert.equal(retransmitLimit(4, 100), 12);
    assert.equal(retransmitLimit(2, 1000), 8);
  });

  it('a newer broadcast about the same node replaces the queued one (and finishes it)', () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    let finished = 0;
    q.queueBroadcast(named('a', 'suspect a', () => finished++));
    q.queueBroadcast(named('b', 'alive b'));
    q.queueBroadcast(named('a', 'alive a'));
    assert.equal(q.numQueued(), 2);
    assert.equal(finished, 1);
    const out = q.getBroadcasts(2, 1000).map(text).sort();
    assert.deepEqual(out, ['alive a', 'alive b']);
  });

  it('each message is sent retransmitLimit times, then dropped and finished', () => {
    const q = new TransmitLimitedQueue(2, () => 5); // limit 2
    let finished = 0;
    q.queueBroadcast(named('x', 'hello', () => finished++));
    assert.equal(q.getBroadcasts(2, 100).length, 1);
    assert.equal(q.getBroadcasts(2, 100).length, 1);
    assert.equal(q.getBroadcasts(2, 100).length, 0);
    assert.equal(finished, 1);
    assert.equal(q.numQueued(), 0);
  });

  it('fewer-sent messages go first; within a level the largest that fits, then the newest', () => {
    const q = new TransmitLimitedQueue(10, () => 100);
    q.queueBroadcast(named('old', 'aaaa'));
    q.getBroadcasts(0, 100); // 'old' now has 1 transmit
    q.queueBroadcast(named('s1', 'bb'));
    q.queueBroadcast(named('s2', 'cc'));
    q.queueBroadcast(named('big', 'dddddd'));
    // Room for 6+2 bytes only: the biggest fresh one, then a fresh 2-byte one (newest first).
    assert.deepEqual(q.getBroadcasts(0, 8).map(text), ['dddddd', 'cc']);
    assert.deepEqual(q.getBroadcasts(0, 100).map(text), ['bb', 'dddddd', 'aaaa', 'cc']);
  });

  it('respects the byte budget including per-message overhead', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }), fc.integer({ min: 0, max: 1400 }), (sizes, limit) => {
        const q = new TransmitLimitedQueue(4, () => 50);
        sizes.forEach((s, i) => q.queueBroadcast(named(`n${i}`, 'x'.repeat(s))));
        const out = q.getBroadcasts(2, limit);
        const used = out.reduce((a, b) => a + b.length + 2, 0);
        assert.ok(used <= limit, `${used} > ${limit}`);
      }),
    );
  });

  it('unnamed broadcasts invalidate through invalidates(); unique ones never do', () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const mk = (key: string, msg: string, unique = false): Broadcast & { key: string } => ({
      key,
      unique,
      message: () => Buffer.from(msg),
      invalidates: (o) => (o as { key?: string }).key === key,
    });
    q.queueBroadcast(mk('k', 'v1'));
    q.queueBroadcast(mk('k', 'v2'));
    q.queueBroadcast(mk('k', 'u1', true));
    q.queueBroadcast(mk('k', 'u2', true));
    assert.deepEqual(q.getBroadcasts(0, 100).map(text).sort(), ['u1', 'u2', 'v2']);
  });

  it('prune keeps the most urgent; reset finishes everything', () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    let finished = 0;
    for (let i = 0; i < 5; i++) q.queueBroadcast(named(`n${i}`, `m${i}`, () => finished++));
    q.prune(3);
    assert.equal(q.numQueued(), 3);
    assert.equal(finished, 2);
    q.reset();
    assert.equal(q.numQueued(), 0);
    assert.equal(finished, 5);
  });
});
