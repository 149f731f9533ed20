// Broadcasts wait for the disk, in order; a transport that throws (shut down) is logged, never an
// unhandled rejection.
import { strict as assert } from 'node:assert';
import { durableBus } from '../../../lib/data-dir/durable-bus.js';
import { MemoryLogger } from '../../../lib/runtime/logger.js';
import { SubLogger } from '../../../gossip/runtime.js';
import type { EventBus } from '../../../store/replication/bus.js';

describe('lib/data-dir: durableBus', () => {
  it('sends only after the barrier taken after the send resolves, in order', async () => {
    const sent: string[] = [];
    let release!: () => void;
    let pending: Promise<void> | undefined = new Promise<void>((r) => (release = r));
    const inner: EventBus = { send: (n) => (sent.push(n), true), onEvent: () => () => undefined };
    const bus = durableBus(inner, () => pending, new SubLogger(new MemoryLogger(), 't'));
    assert.equal(bus.send('a', new Uint8Array()), true);
    assert.equal(bus.send('b', new Uint8Array()), true);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, [], 'nothing before the disk');
    pending = undefined;
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['a', 'b']);
    bus.send('c', new Uint8Array());
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['a', 'b', 'c']);
  });

  it('a throwing transport or a failed fsync is logged; the event still goes out after a failed fsync', async () => {
    const log = new MemoryLogger();
    const sent: string[] = [];
    const inner: EventBus = {
      send: (n) => {
        if (n === 'boom') throw new Error('shut down');
        sent.push(n);
        return true;
      },
      onEvent: () => () => undefined,
    };
    let fail = true;
    const bus = durableBus(inner, () => (fail ? Promise.reject(new Error('EIO')) : undefined), new SubLogger(log, 't'));
    bus.send('x', new Uint8Array());
    await new Promise((r) => setImmediate(r));
    fail = false;
    bus.send('boom', new Uint8Array());
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['x']);
    assert.equal(log.find('broadcast after a failed fsync').length, 1);
    assert.equal(log.find('broadcast failed').length, 1);
  });
});
