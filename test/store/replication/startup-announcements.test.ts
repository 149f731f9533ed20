// What a server sends at start: asyncactor's `init` + `vers` on the ping actor (the `vers` spread
// over one cycle and dropped when somebody else's came first), and on the delete actor only as a
// member of a configured delete group (store/replication/deleter.ts, docs/replication.md).
import { strict as assert } from 'node:assert';
import { decode } from '../../../store/codec.js';
import { Replica } from '../../../store/replica.js';
import { Store } from '../../../store/store.js';
import { LoopbackMedium, ManualClock, testRandom } from './helpers.js';

const quiet = { log() {} };
const CYCLE_MS = 3000;

function cluster(names: string[], group?: string[]) {
  const clock = new ManualClock();
  const medium = new LoopbackMedium(clock);
  const replicas = names.map((name, i) => {
    const store = new Store(name);
    store.markReady();
    if (group) store.setValue([null, 'actor', 'del'], { nodes: group });
    return new Replica({ store, bus: medium.bus(name), clock, random: testRandom(11 + i), logger: quiet, ping: { cycle: CYCLE_MS / 1000, gap: 1 }, loaded: true, firstSeq: 1 });
  });
  for (const r of replicas) r.start();
  const sent = () => medium.sent.map((s) => ({ from: s.from, name: s.name, t: (decode(s.payload) as { t?: string }).t }));
  return { clock, replicas, sent, stop: () => replicas.forEach((r) => r.stop()) };
}

const count = (xs: { name: string; t?: string }[], name: string, t: string) => xs.filter((x) => x.name === name && x.t === t).length;

describe('store/replica start-up announcements', () => {
  it('no delete group: one init and one vers on the ping actor within a cycle, nothing on del', () => {
    const c = cluster(['ts1']);
    assert.deepEqual(c.sent().map((x) => `${x.name} ${x.t}`), [':distkv.ping init'], 'init at once, vers spread');
    c.clock.advance(CYCLE_MS);
    assert.deepEqual(c.sent().map((x) => `${x.name} ${x.t}`).sort(), [':distkv.ping init', ':distkv.ping vers']);
    assert.equal(c.replicas[0]!.delActor.started, false);
    c.clock.advance(4 * CYCLE_MS);
    assert.equal(count(c.sent(), ':distkv.del', 'init') + count(c.sent(), ':distkv.del', 'vers'), 0);
    assert.ok(c.replicas[0]!.actor.isTagged || c.sent().some((x) => x.t === 'ping'), 'the ping actor passed its self-check and pings');
    c.stop();
  });

  it('member of the delete group: the delete actor announces too (init + vers); a non-member listens silently', () => {
    const c = cluster(['ts1', 'ts2'], ['ts1', 'x']);
    c.clock.advance(CYCLE_MS);
    const s = c.sent();
    assert.equal(count(s, ':distkv.del', 'init'), 1);
    assert.equal(count(s, ':distkv.del', 'vers'), 1);
    assert.deepEqual(
      s.filter((x) => x.name === ':distkv.del').map((x) => x.from),
      ['ts1', 'ts1'],
    );
    const [member, other] = c.replicas;
    assert.equal(member!.delActor.enabled, true);
    assert.equal(other!.delActor.started, true, 'the non-member listens (it counts the group pings to purge)');
    assert.equal(other!.delActor.enabled, false);
    assert.equal(other!.deleteGc.nNodes, 2);
    c.stop();
  });

  it('a server that joins the group later announces then, once', () => {
    const c = cluster(['ts1', 'ts2'], ['ts1']);
    c.clock.advance(CYCLE_MS);
    c.replicas[1]!.store.setValue([null, 'actor', 'del'], { nodes: ['ts1', 'ts2'] });
    c.clock.advance(200_000);
    const fromTs2 = c.sent().filter((x) => x.name === ':distkv.del' && x.from === 'ts2');
    assert.equal(fromTs2.filter((x) => x.t === 'init').length, 1);
    assert.ok(fromTs2.some((x) => x.t === 'ping'), 'and it pings as a member');
    assert.equal(c.replicas[1]!.delActor.enabled, true);
    c.stop();
  });

  it('servers started together: an init each, but the first vers makes the others redundant', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const c = cluster(names);
    c.clock.advance(CYCLE_MS);
    const s = c.sent();
    assert.equal(count(s, ':distkv.ping', 'init'), names.length);
    assert.equal(count(s, ':distkv.ping', 'vers'), 1);
    assert.equal(count(s, ':distkv.del', 'init') + count(s, ':distkv.del', 'vers'), 0);
    c.clock.advance(20 * CYCLE_MS);
    assert.ok(c.replicas.every((r) => !r.actor.stopped), 'nobody failed its self-check');
    c.stop();
  });
});
