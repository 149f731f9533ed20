// The simulated server's durable change log and the verdict's conflict rule.
import { strict as assert } from 'node:assert';
import { DiskLog } from '../../../lib/sim/disk-log.js';
import { beats, storeDigest, WriteLedger } from '../../../lib/sim/replica-check.js';
import { Store } from '../../../store/store.js';

describe('lib/sim/disk-log', () => {
  it('every change is on disk at once; a reopen after the ready mark reloads it (across compactions)', () => {
    const disk = new Map<string, Uint8Array>();
    const a = new Store('a');
    const { log, loaded } = DiskLog.open(a, disk, { compactAfter: 10 });
    assert.equal(loaded, false);
    a.markReady();
    log.markReady();
    for (let i = 0; i < 100; i++) a.setValue(['k', i % 30], `v${i}`);
    a.deleteValue(['k', 3]);
    a.applyUpdate({ node: 'b', tick: 1, prev: null, path: ['r'], value: 'remote', tock: 1000 }, 'remote');
    // compaction keeps at most about twice the store's size of records
    assert.ok([...disk.keys()].filter((k) => k.startsWith('distkv/log.')).length < 70, 'compacted');
    // a crash: no close(), the disk as it is
    const b = new Store('a');
    const again = DiskLog.open(b, disk);
    assert.equal(again.loaded, true);
    assert.equal(storeDigest(b), storeDigest(a));
    assert.equal(b.self.tick, a.self.tick, 'our own tick numbering resumes');
    assert.ok(b.currentTock >= 1000);
  });

  it('a server that never became ready starts over (its disk is cleared)', () => {
    const disk = new Map<string, Uint8Array>();
    const a = new Store('a');
    DiskLog.open(a, disk);
    a.applyUpdate({ node: 'b', tick: 1, prev: null, path: ['r'], value: 1, tock: 5 }, 'remote');
    const b = new Store('a');
    assert.equal(DiskLog.open(b, disk).loaded, false);
    assert.equal(b.get(['r']), undefined);
  });
});

describe('lib/sim/replica-check: which acknowledged write must survive', () => {
  it('a write that saw another wins over it; concurrent ones by tock, then node name, then tick', () => {
    const a = new Store('a');
    const b = new Store('b');
    a.markReady();
    b.markReady();
    const l = new WriteLedger();
    const w1 = l.write(a, ['x'], 1);
    b.applyUpdate({ node: 'a', tick: w1.tick, prev: null, path: ['x'], value: 1, tock: w1.tock }, 'remote');
    const w2 = l.write(b, ['x'], 2); // saw w1
    assert.ok(beats(w2, w1) && !beats(w1, w2));
    const w3 = l.write(a, ['y'], 3);
    const w4 = l.write(b, ['y'], 4); // concurrent
    assert.equal(beats(w3, w4), w3.tock > w4.tock || (w3.tock === w4.tock && w3.node > w4.node));
    assert.equal(l.winners().get('x'), w2);
  });
});
