// Replays the captured Python DistKV cluster (3 servers, cycle 10 s, gap 2 s) into one of our
// actors playing one server's role: the other servers' actor messages arrive at the times that
// server's Serf agent delivered them, and our actor must answer as the Python actor did (same
// messages, same histories, same times). The actor's first random draws are set from the
// capture (they fix the startup wait and the off-chain delays); every other time follows
// from the rules alone.
import { strict as assert } from 'node:assert';
import { Actor } from '../../../store/actor/actor.js';
import type { ActorEvent } from '../../../store/actor/events.js';
import type { ActorMessage, ActorValue, NodeName } from '../../../store/actor/messages.js';
import { ScriptedRandom, VirtualClock } from './harness.js';
import { loadCapture, type CapturedEvent } from './vectors.js';

const TOL = 0.03; // seconds: Python's processing adds a few ms per cycle

interface Role {
  agent: 'a' | 'b' | 'c';
  name: NodeName;
  /** Capture times (on this agent) bounding this server's life. */
  from: number;
  until: number;
  /** ltimes of `hist` messages this server sent (they carry no sender name). */
  ownHist: number[];
  initialValue: ActorValue;
  /** Value set on the first GoodNodeEvent (DistKV sets [tock, tick] once it has synced). */
  valueAfterSync?: ActorValue;
  /** Random draws in the order the actor makes them, derived from the capture below. */
  draws: number[];
}

interface Replayed {
  sent: { time: number; msg: ActorMessage }[];
  events: { time: number; e: ActorEvent }[];
  captured: CapturedEvent[];
}

function replay(role: Role): Replayed {
  const all = loadCapture(role.agent).filter((e) => e.name === ':distkv.ping' && e.time >= role.from - 0.01 && e.time < role.until);
  const own = (e: CapturedEvent) => e.payload['node'] === role.name || role.ownHist.includes(e.ltime);
  const clock = new VirtualClock();
  clock.runUntil(role.from * 1000);
  const out: Replayed = { sent: [], events: [], captured: all.filter(own) };
  let handler: (p: unknown) => void = () => {};
  const actor = new Actor({
    name: role.name,
    clock,
    random: new ScriptedRandom([...role.draws]),
    config: { cycle: 10, gap: 2 },
    sendRaw: false,
    transport: {
      send: (msg) => {
        out.sent.push({ time: clock.now() / 1000, msg });
        const copy = structuredClone(msg);
        clock.setTimer(0.5, () => handler(copy)); // our own agent echoes it at once
      },
      onMessage: (h) => void (handler = h),
    },
  });
  actor.setValue(role.initialValue);
  let synced = false;
  actor.on((e) => {
    out.events.push({ time: clock.now() / 1000, e });
    if (e.type === 'good-node' && !synced && role.valueAfterSync !== undefined) {
      synced = true;
      actor.setValue(role.valueAfterSync);
    }
  });
  actor.start();
  for (const e of all) {
    if (own(e)) continue;
    clock.setTimer(e.time * 1000 - clock.now(), () => handler(e.payload));
  }
  clock.runUntil(role.until * 1000);
  actor.stop();
  return out;
}

/** Our sends must be the captured ones: same type, node, history (and value where given), same time. */
function assertSameSends(r: Replayed, checkValue: (m: ActorMessage) => boolean = () => true): void {
  const ours = r.sent.filter((s) => s.msg.t === 'ping' || s.msg.t === 'hist');
  const theirs = r.captured.filter((e) => e.payload['t'] === 'ping' || e.payload['t'] === 'hist');
  assert.deepEqual(
    ours.map((s) => `${s.msg.t} ${JSON.stringify((s.msg as { history: unknown }).history)}`),
    theirs.map((e) => `${String(e.payload['t'])} ${JSON.stringify(e.payload['history'])}`),
  );
  ours.forEach((s, i) => {
    const c = theirs[i]!;
    assert.ok(Math.abs(s.time - c.time) < TOL, `${s.msg.t} #${i}: ours at ${s.time.toFixed(3)}, Python at ${c.time.toFixed(3)}`);
    if (checkValue(s.msg)) assert.deepEqual((s.msg as { value: unknown }).value, c.payload['value'], `${s.msg.t} #${i} value`);
  });
}

/** The random draw that makes f = 1.5 + r/2 land on the captured next-ping time. */
function lateDraw(prev: number, next: number): number {
  return ((next - prev - 10) / 2 - 1.5) * 2;
}

function recovers(r: Replayed) {
  return r.events.flatMap((x) => (x.e.type === 'recover' ? [{ time: x.time, ...x.e }] : []));
}

describe('store/actor: replay of captured Python DistKV actor traffic', () => {
  it('test1 (started with data): pings alone every 14 s, then in turn with test2; sees test3 join', () => {
    // Own init 2.404 -> first ping 15.452: startup 13 + r.
    const r = replay({ agent: 'a', name: 'test1', from: 2.404, until: 81.29, ownHist: [], initialValue: [4, 1], draws: [15.452 - 2.404 - 13] });
    assertSameSends(r, () => false);
    // Its second ping (29.456) had a history, but test2's ping followed within gap: no tag.
    // The third (42.549) went unanswered: tagged one gap later, untagged cycle - gap/2 after.
    const tags = r.events.filter((x) => x.e.type === 'tag').map((x) => x.time);
    const untags = r.events.filter((x) => x.e.type === 'untag').map((x) => x.time);
    assert.ok(Math.abs(tags[0]! - (42.549 + 2)) < TOL, `tag at ${tags[0]}`);
    assert.ok(Math.abs(untags[0]! - (42.549 + 11)) < TOL, `untag at ${untags[0]}`);
    assert.equal(tags.length, 3); // after the pings at 42.5, 56.6 and 70.6
    // test3's first ping (null value, history [test3]) diverges from our chain: we were at
    // position 1, so RecoverEvent prio 1 (our hist would follow 1 s later; test1 was killed first).
    assert.deepEqual(recovers(r).map(({ prio, replace, localNodes, remoteNodes }) => ({ prio, replace, localNodes, remoteNodes })), [
      { prio: 1, replace: false, localNodes: ['test2', 'test1'], remoteNodes: ['test3'] },
    ]);
    assert.ok(Math.abs(recovers(r)[0]!.time - 80.637) < 0.01);
    // No GoodNodeEvent: our value was never null.
    assert.ok(!r.events.some((x) => x.e.type === 'good-node'));
  });

  it('test2 (started empty): first ping with value null, GoodNodeEvent, then joins the rotation', () => {
    // Startup r: the capture says exactly 14.000 s (r ~ 1); then off the chain, draws
    // (early? no) and the late delay that lands on the captured second ping.
    const r = replay({
      agent: 'b',
      name: 'test2',
      from: 2.922,
      until: 49.8,
      ownHist: [],
      initialValue: null,
      valueAfterSync: [52, 3],
      draws: [Math.min(16.922 - 2.922 - 13, 0.99999), 0.5, lateDraw(16.922, 30.632)],
    });
    assertSameSends(r);
    const good = r.events.filter((x) => x.e.type === 'good-node');
    assert.deepEqual(good[0]!.e, { type: 'good-node', nodes: ['test1'] });
    assert.ok(Math.abs(good[0]!.time - 16.922) < 0.01, 'queued pings are handled right after the first ping');
    // PingEvents for test1's accepted pings, 2*gap after each.
    const pe = r.events.filter((x) => x.e.type === 'ping');
    assert.ok(pe.some((x) => Math.abs(x.time - (42.551 + 4)) < 0.01 && x.e.type === 'ping' && x.e.node === 'test1'));
    assert.equal(recovers(r).length, 0);
  });

  it('test2 restarted empty: merge with test3 (prio 0: hist at once) and with restarted test1 (prio 1: hist after gap/2)', () => {
    const r = replay({
      agent: 'b',
      name: 'test2',
      from: 52.323,
      until: 99.5,
      ownHist: [37, 55],
      initialValue: null,
      valueAfterSync: [71, 3],
      draws: [65.533 - 52.323 - 13, 0.5, lateDraw(65.533, 79.216)],
    });
    // Ping values after 79.216 are DistKV's advancing tock; ours stays [71, 3].
    assertSameSends(r, (m) => m.t === 'hist' || (m.t === 'ping' && m.value === null));
    assert.deepEqual(recovers(r).map(({ prio, replace, localNodes, remoteNodes }) => ({ prio, replace, localNodes, remoteNodes })), [
      { prio: 0, replace: false, localNodes: ['test2', 'test1'], remoteNodes: ['test3'] },
      { prio: 1, replace: false, localNodes: ['test3', 'test2'], remoteNodes: ['test1'] },
    ]);
  });

  it('test3 (joined at +67 s): adopts the chain from queued pings, later leads a merge as prio 0', () => {
    const r = replay({
      agent: 'c',
      name: 'test3',
      from: 67.39,
      until: 99.5,
      ownHist: [52],
      initialValue: null,
      valueAfterSync: [96, 1],
      // Two off-chain computations after the first ping (test1's ping, then test2's): the
      // second one decides the next ping.
      draws: [80.603 - 67.39 - 13, 0.5, 0.5, 0.5, lateDraw(80.603, 94.401)],
    });
    assertSameSends(r);
    assert.deepEqual(r.events.find((x) => x.e.type === 'good-node')!.e, { type: 'good-node', nodes: ['test1'] });
    assert.deepEqual(recovers(r).map(({ prio, replace, localNodes, remoteNodes }) => ({ prio, replace, localNodes, remoteNodes })), [
      { prio: 0, replace: false, localNodes: ['test3', 'test2', 'test1'], remoteNodes: ['test1'] },
    ]);
  });
});
