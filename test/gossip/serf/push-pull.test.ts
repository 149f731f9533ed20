import { strict as assert } from 'node:assert';
import { decodeMessageOf, encodeMessage } from '../../../gossip/serf/codec.js';
import { UserEventBuffer } from '../../../gossip/serf/event-buffer.js';
import { LamportClock } from '../../../gossip/serf/lamport.js';
import { MemberStatus, MessageType, type UserEventMessage } from '../../../gossip/serf/messages.js';
import { buildLocalState, mergeRemoteState, type MergeTarget } from '../../../gossip/serf/push-pull.js';
import { node, table } from './members-fixture.js';
import { vector } from './vectors.js';

function side(self: string) {
  const f = table(self);
  const clocks = { clock: f.clock, eventClock: new LamportClock(), queryClock: new LamportClock() };
  const events = new UserEventBuffer(clocks.eventClock);
  const delivered: string[] = [];
  const target: MergeTarget = {
    clocks,
    members: f.t,
    events,
    joinIgnore: false,
    handleUserEvent(m: UserEventMessage) {
      if (events.receive(m.ltime, { name: m.name, payload: m.payload }) === 'new') delivered.push(`${m.ltime}:${m.name}`);
    },
  };
  return { f, clocks, events, delivered, target };
}

describe('serf push-pull state', () => {
  it('ships clocks, status LTimes, left members and events; the receiver catches up', () => {
    const a = side('a');
    a.f.t.nodeJoin(node('a'));
    a.f.t.nodeJoin(node('b'));
    a.f.t.nodeJoin(node('c'));
    a.f.t.joinIntent({ ltime: 7, node: 'b' });
    a.f.t.leaveIntent({ ltime: 8, node: 'c', prune: false });
    a.f.t.nodeLeave(node('c'));
    a.target.handleUserEvent({ ltime: 3, name: 'deploy', payload: Uint8Array.of(1), cc: true });
    a.clocks.queryClock.witness(40);

    const wire = encodeMessage({ type: MessageType.PushPull, msg: buildLocalState(a.clocks, a.f.t, a.events) });
    const pp = decodeMessageOf(wire, MessageType.PushPull);
    assert.deepEqual(pp.statusLTimes, [['a', 0], ['b', 7], ['c', 8]]);
    assert.deepEqual(pp.leftMembers, ['c']);

    const b = side('b');
    b.f.t.nodeJoin(node('b'));
    b.f.t.nodeJoin(node('c'));
    mergeRemoteState(pp, false, b.target);
    // a's clock is 9; b witnesses 9 - 1, then the synthesised leave for c at 9 moves it to 10
    assert.equal(a.clocks.clock.time(), 9);
    assert.equal(b.clocks.clock.time(), 10);
    assert.equal(b.clocks.queryClock.time(), 41);
    assert.equal(b.f.t.get('b')!.statusLTime, 7);
    // c: leave intent at its status LTime + 1 = 9 -> leaving (memberlist has not said it left)
    assert.equal(b.f.t.get('c')!.member.status, MemberStatus.Leaving);
    assert.equal(b.f.t.get('c')!.statusLTime, 9);
    assert.deepEqual(b.delivered, ['3:deploy']);
    // 'a' is unknown to b's memberlist: the join intent waits in the buffer
    b.f.t.nodeJoin(node('a'));
    assert.equal(b.f.t.get('a')!.statusLTime, 0);

    mergeRemoteState(pp, false, b.target); // again: nothing new
    assert.deepEqual(b.delivered, ['3:deploy']);
  });

  it('a join with ignore-old raises the event minimum to the peer event time', () => {
    const a = side('a');
    a.target.handleUserEvent({ ltime: 3, name: 'old', payload: null, cc: false });
    const pp = buildLocalState(a.clocks, a.f.t, a.events);
    const b = side('b');
    b.target.joinIgnore = true;
    mergeRemoteState(pp, true, b.target);
    assert.deepEqual(b.delivered, []);
    assert.equal(b.events.minTime, pp.eventLTime);
  });

  it('merges the push-pull state a real agent sent', () => {
    const pp = decodeMessageOf(vector('pushPull-94'), MessageType.PushPull);
    const b = side('gamma');
    b.f.t.nodeJoin(node('alpha'));
    b.f.t.nodeJoin(node('beta'));
    mergeRemoteState(pp, true, b.target);
    assert.equal(b.f.t.get('beta')!.statusLTime, 1);
    assert.equal(b.clocks.clock.time(), 2);
    assert.deepEqual(b.delivered, []);
  });
});
