import { strict as assert } from 'node:assert';
import { MemberStatus } from '../../../gossip/serf/messages.js';
import { node, table } from './members-fixture.js';

const status = (f: ReturnType<typeof table>, n: string) => f.t.get(n)?.member.status;

describe('serf member table', () => {
  it('memberlist join creates an alive member with decoded tags and versions', () => {
    const f = table();
    f.t.nodeJoin(node('a', { role: 'web' }));
    assert.deepEqual(f.take(), ['member-join:a']);
    const m = f.t.get('a')!.member;
    assert.equal(m.status, MemberStatus.Alive);
    assert.deepEqual(m.tags, new Map([['role', 'web']]));
    assert.deepEqual([m.protocolMin, m.protocolMax, m.protocolCur, m.delegateMin, m.delegateMax, m.delegateCur], [1, 5, 2, 2, 5, 4]);
  });

  it('every() asks the predicate about each member in place (what Serf.everyMember reads)', () => {
    const f = table();
    assert.equal(f.t.every(() => false), true); // empty
    f.t.nodeJoin(node('a', { role: 'web' }));
    f.t.nodeJoin(node('b'));
    assert.equal(f.t.every((ms) => ms.member.status === MemberStatus.Alive), true);
    assert.equal(f.t.every((ms) => ms.member.tags.has('role')), false);
    f.t.nodeLeave(node('b'));
    assert.equal(f.t.every((ms) => ms.member.status !== MemberStatus.Alive || ms.member.tags.has('role')), true);
  });

  it('join intents: newer LTimes update, older are ignored and not rebroadcast; the clock witnesses', () => {
    const f = table();
    f.t.nodeJoin(node('a'));
    assert.equal(f.t.joinIntent({ ltime: 5, node: 'a' }), true);
    assert.equal(f.t.get('a')!.statusLTime, 5);
    assert.equal(f.t.joinIntent({ ltime: 5, node: 'a' }), false);
    assert.equal(f.t.joinIntent({ ltime: 4, node: 'a' }), false);
    assert.equal(f.clock.time(), 6);
  });

  it('intents for unknown nodes are buffered (newest wins) and applied when memberlist reports the node', () => {
    const f = table();
    assert.equal(f.t.joinIntent({ ltime: 3, node: 'b' }), true);
    assert.equal(f.t.joinIntent({ ltime: 3, node: 'b' }), false);
    assert.equal(f.t.leaveIntent({ ltime: 4, node: 'b', prune: false }), true);
    f.t.nodeJoin(node('b'));
    assert.equal(status(f, 'b'), MemberStatus.Leaving);
    assert.equal(f.t.get('b')!.statusLTime, 4);

    assert.equal(f.t.joinIntent({ ltime: 9, node: 'c' }), true);
    f.t.nodeJoin(node('c'));
    assert.equal(status(f, 'c'), MemberStatus.Alive);
    assert.equal(f.t.get('c')!.statusLTime, 9);
  });

  it('graceful leave: alive -> leaving (intent) -> left (memberlist), then reaped after the tombstone timeout', () => {
    const f = table();
    f.t.nodeJoin(node('a'));
    f.take();
    assert.equal(f.t.leaveIntent({ ltime: 2, node: 'a', prune: false }), true);
    assert.equal(status(f, 'a'), MemberStatus.Leaving);
    assert.equal(f.t.leaveIntent({ ltime: 2, node: 'a', prune: false }), false); // consul#8179: no echo
    f.t.nodeLeave(node('a'));
    assert.equal(status(f, 'a'), MemberStatus.Left);
    assert.deepEqual(f.take(), ['member-leave:a']);
    assert.deepEqual(f.t.leftMembers().map((m) => m.member.name), ['a']);
    f.advance(1000);
    f.t.reap(500, 2000, 300_000);
    assert.ok(f.t.get('a')); // left for 1000 <= tombstone 2000
    f.advance(1001);
    f.t.reap(500, 2000, 300_000);
    assert.equal(f.t.get('a'), undefined);
    assert.deepEqual(f.take(), ['member-reap:a']);
    assert.deepEqual(f.forgotten, ['a']);
  });

  it('failure: alive -> failed (memberlist), a later leave intent makes it left with a leave event', () => {
    const f = table();
    f.t.nodeJoin(node('a'));
    f.t.nodeLeave(node('a'));
    assert.equal(status(f, 'a'), MemberStatus.Failed);
    assert.deepEqual(f.take(), ['member-join:a', 'member-failed:a']);
    assert.equal(f.t.leaveIntent({ ltime: 1, node: 'a', prune: false }), true); // force-leave
    assert.equal(status(f, 'a'), MemberStatus.Left);
    assert.deepEqual(f.take(), ['member-leave:a']);
    assert.deepEqual(f.t.failedMembers(), []);
    assert.equal(f.t.leftMembers().length, 1);
  });

  it('failed members are reaped after the reconnect timeout; coming back clears the failed list', () => {
    const f = table();
    f.t.nodeJoin(node('a'));
    f.t.nodeJoin(node('b'));
    f.t.nodeLeave(node('a'));
    f.t.nodeLeave(node('b'));
    f.t.nodeJoin(node('b')); // b is back
    assert.deepEqual(f.t.failedMembers().map((m) => m.member.name), ['a']);
    f.take();
    f.advance(10_001);
    f.t.reap(10_000, 1e9, 300_000);
    assert.deepEqual(f.take(), ['member-reap:a']);
    assert.deepEqual(f.t.list().map((m) => m.member.name), ['b']);
  });

  it('a newer leave intent about ourselves while alive is refuted, not applied', () => {
    const f = table('me');
    f.t.nodeJoin(node('me'));
    assert.equal(f.t.leaveIntent({ ltime: 5, node: 'me', prune: false }), false);
    assert.equal(f.refutes(), 1);
    assert.equal(status(f, 'me'), MemberStatus.Alive);
    f.t.selfAlive = false; // we are leaving ourselves
    assert.equal(f.t.leaveIntent({ ltime: 6, node: 'me', prune: false }), true);
    assert.equal(status(f, 'me'), MemberStatus.Leaving);
  });

  it('a join newer than a leave brings a leaving member back to alive', () => {
    const f = table();
    f.t.nodeJoin(node('a'));
    f.t.leaveIntent({ ltime: 3, node: 'a', prune: false });
    assert.equal(f.t.joinIntent({ ltime: 4, node: 'a' }), true);
    assert.equal(status(f, 'a'), MemberStatus.Alive);
  });

  it('prune: a failed member is erased at once, a leaving one after the prune delay', () => {
    const f = table('me', 6000);
    f.t.nodeJoin(node('a'));
    f.t.nodeJoin(node('b'));
    f.t.nodeLeave(node('a'));
    f.take();
    assert.equal(f.t.leaveIntent({ ltime: 1, node: 'a', prune: true }), true);
    assert.deepEqual(f.take(), ['member-leave:a', 'member-reap:a']);
    assert.equal(f.t.get('a'), undefined);
    assert.deepEqual(f.t.leftMembers(), []);

    assert.equal(f.t.leaveIntent({ ltime: 2, node: 'b', prune: true }), true);
    assert.equal(status(f, 'b'), MemberStatus.Leaving);
    f.advance(5999);
    assert.ok(f.t.get('b'));
    f.advance(1);
    assert.equal(f.t.get('b'), undefined);
    assert.deepEqual(f.take(), ['member-reap:b']);
  });

  it('memberlist update refreshes tags; updates and leaves of unknown nodes are ignored', () => {
    const f = table();
    f.t.nodeUpdate(node('x'));
    f.t.nodeLeave(node('x'));
    assert.deepEqual(f.take(), []);
    f.t.nodeJoin(node('a', { v: '1' }));
    f.t.nodeUpdate(node('a', { v: '2' }));
    assert.deepEqual(f.take(), ['member-join:a', 'member-update:a']);
    assert.equal(f.t.get('a')!.member.tags.get('v'), '2');
  });

  it('old intents expire from the buffer', () => {
    const f = table();
    f.t.joinIntent({ ltime: 3, node: 'b' });
    f.advance(300_001);
    f.t.reap(1e9, 1e9, 300_000);
    f.t.nodeJoin(node('b'));
    assert.equal(f.t.get('b')!.statusLTime, 0);
  });
});
