import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Member } from '../../../gossip/serf/member.js';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import type { Logger } from '../../../gossip/runtime.js';
import { FileSnapshotSink } from '../../../lib/agent/snapshot-file.js';

const m = (name: string, ip: number): Member => ({
  name, addr: Uint8Array.of(127, 0, 0, ip), port: 7946, tags: new Map(), status: MemberStatus.Alive,
  protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 5,
});

describe('agent snapshot file', () => {
  let dir = '';
  const logged: string[] = [];
  const log: Logger = { log: (level, _s, msg) => void logged.push(`${level} ${msg}`) };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-snap-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records events in Serf\'s line format, replays them on reopen, appends after what was there', async () => {
    const f = join(dir, 'snap');
    const a = await FileSnapshotSink.open(f, false, log);
    a.snapshotter.record({ type: 'member-join', members: [m('n1', 1), m('n2', 2)] }, 5);
    a.snapshotter.record({ type: 'user', ltime: 7, name: 'e', payload: new Uint8Array(0), coalesce: false }, 0);
    a.snapshotter.record({ type: 'member-failed', members: [m('n2', 2)] }, 6);
    await a.sink.close();
    a.snapshotter.updateClock(99); // after close: ignored, no throw
    assert.equal(readFileSync(f, 'utf8'), 'alive: n1 127.0.0.1:7946\nalive: n2 127.0.0.2:7946\nclock: 4\nevent-clock: 7\nnot-alive: n2\nclock: 5\n');

    const b = await FileSnapshotSink.open(f, false, log);
    assert.deepEqual(b.snapshotter.state.previousNodes(), [{ name: 'n1', addr: '127.0.0.1:7946' }]);
    assert.equal(b.snapshotter.state.lastClock, 5);
    assert.equal(b.snapshotter.state.lastEventClock, 7);
    b.snapshotter.leave();
    await b.sink.close();
    assert.match(readFileSync(f, 'utf8'), /clock: 5\nleave\n$/);
    // After a leave nothing is rejoined, unless -rejoin.
    const c = await FileSnapshotSink.open(f, false, log);
    assert.deepEqual(c.snapshotter.state.previousNodes(), []);
    await c.sink.close();
    const d = await FileSnapshotSink.open(f, true, log);
    assert.equal(d.snapshotter.state.previousNodes().length, 1);
    await d.sink.close();
  });

  it('compaction rewrites the file atomically and later appends go to the new file', async () => {
    const f = join(dir, 'compact');
    writeFileSync(f, '# old junk\n'.repeat(20_000)); // > 128 KiB: the next line triggers a compaction
    const s = await FileSnapshotSink.open(f, false, log);
    s.snapshotter.record({ type: 'member-join', members: [m('n3', 3)] }, 2);
    s.snapshotter.record({ type: 'member-join', members: [m('n4', 4)] }, 3);
    await s.sink.close();
    assert.equal(readFileSync(f, 'utf8'), 'alive: n3 127.0.0.3:7946\nclock: 0\nevent-clock: 0\nquery-clock: 0\nclock: 1\nalive: n4 127.0.0.4:7946\nclock: 2\n');
  });

  it('a missing file starts empty; an unwritable path fails at open', async () => {
    const s = await FileSnapshotSink.open(join(dir, 'fresh'), false, log);
    assert.deepEqual(s.snapshotter.state.previousNodes(), []);
    await s.sink.close();
    await assert.rejects(FileSnapshotSink.open(join(dir, 'no', 'dir', 'snap'), false, log));
  });
});
