// Our memberlist node against real `serf agent` processes (Debian's serf 0.9.4 on memberlist
// 0.2.x): join in both directions, failure detection both ways, graceful leave, encryption.
// Agents run with -profile=local and our node with the Local profile so failures show in seconds.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { lanConfig, localConfig } from '../../gossip/memberlist/config.js';
import { Keyring } from '../../gossip/memberlist/keyring.js';
import { Memberlist } from '../../gossip/memberlist/memberlist.js';
import { NodeStateType } from '../../gossip/memberlist/node.js';
import { TagMember } from '../../lib/agent/tag-member.js';
import { createRealRuntime, MemoryLogger, type RealRuntime } from '../../lib/runtime/index.js';
import { delay, serfAvailable, serfMembers, startSerfAgent, stopAllPeers, waitFor, type SerfAgent } from './peers.js';


interface Ours {
  ml: Memberlist;
  member: TagMember;
  rt: RealRuntime;
  logs: MemoryLogger;
  bind: string;
}

const started: Ours[] = [];

async function startOurs(name: string, opts: { tags?: Record<string, string>; keyring?: Keyring } = {}): Promise<Ours> {
  const logs = new MemoryLogger();
  const rt = await createRealRuntime({ logger: logs });
  const member = new TagMember(name, new Map(Object.entries(opts.tags ?? {})));
  const ml = Memberlist.create(rt, {
    config: localConfig(name),
    delegates: { delegate: member },
    ...(opts.keyring ? { keyring: opts.keyring } : {}),
  });
  member.attach(ml);
  const o = { ml, member, rt, logs, bind: `${rt.addr.host}:${rt.addr.port}` };
  started.push(o);
  return o;
}

async function stopOurs(o: Ours): Promise<void> {
  await o.ml.shutdown();
  await o.rt.close();
}

async function memberStatus(agent: SerfAgent, name: string): Promise<string | undefined> {
  return (await serfMembers(agent.rpcAddr)).find((m) => m.name === name)?.status;
}

describe('interop: our memberlist with a real serf agent', function () {
  this.timeout(60_000);

  before(function () {
    if (!serfAvailable()) {
      console.warn('SKIPPED serf-memberlist interop: no serf binary at /usr/bin/serf (scripts/setup-peers.sh installs it)');
      this.skip();
    }
  });

  afterEach(async () => {
    for (const o of started.splice(0)) await stopOurs(o).catch(() => {});
    await stopAllPeers();
  });

  it('our node joins an agent: the agent lists it alive with its tags; both lists agree', async () => {
    const agent = await startSerfAgent({ node: 'agent1', profile: 'local' });
    const ours = await startOurs('ours1', { tags: { role: 'kv', dc: 'test' } });
    const r = await ours.ml.join([agent.bind]);
    assert.equal(r.joined, 1, r.errors.join('; '));
    const m = await waitFor(
      async () => (await serfMembers(agent.rpcAddr)).find((x) => x.name === 'ours1' && x.status === 'alive'),
      10_000,
      'agent lists ours1 alive',
    );
    assert.deepEqual(m.tags, { role: 'kv', dc: 'test' });
    assert.equal(m.addr, ours.bind);
    await waitFor(() => ours.ml.members().some((n) => n.name === 'agent1'), 5_000, 'we list agent1');
    const theirs = (await serfMembers(agent.rpcAddr)).filter((x) => x.status === 'alive').map((x) => x.name).sort();
    const mine = ours.ml.members().filter((n) => n.state === NodeStateType.Alive).map((n) => n.name).sort();
    assert.deepEqual(mine, theirs);
    // Stays alive across a few probe rounds (the agent probes us, we ack).
    await delay(2_500);
    assert.equal(await memberStatus(agent, 'ours1'), 'alive');
  });

  it('LAN profile on both sides (serf agent defaults): join, then a crash is noticed', async () => {
    const agent = await startSerfAgent({ node: 'lan-agent' });
    const logs = new MemoryLogger();
    const rt = await createRealRuntime({ logger: logs });
    const member = new TagMember('lan-ours', new Map([['p', 'lan']]));
    const ml = Memberlist.create(rt, { config: lanConfig('lan-ours'), delegates: { delegate: member } });
    member.attach(ml);
    const o = { ml, member, rt, logs, bind: `${rt.addr.host}:${rt.addr.port}` };
    started.push(o);
    assert.equal((await ml.join([agent.bind])).joined, 1);
    await waitFor(async () => (await memberStatus(agent, 'lan-ours')) === 'alive', 10_000, 'agent sees us');
    await stopOurs(o);
    // LAN, 2 nodes: ~1 s to a failed probe, then the 4 s minimum suspicion.
    await waitFor(async () => (await memberStatus(agent, 'lan-ours')) === 'failed', 20_000, 'agent marks us failed');
  });

  it('a node without Serf tags (empty metadata) is accepted', async () => {
    const agent = await startSerfAgent({ node: 'agent2', profile: 'local' });
    const ours = await startOurs('bare');
    assert.equal((await ours.ml.join([agent.bind])).joined, 1);
    await waitFor(async () => (await memberStatus(agent, 'bare')) === 'alive', 10_000, 'agent lists bare alive');
  });

  it('a real agent joins our node; a third agent learns of us through it', async () => {
    const ours = await startOurs('seed', { tags: { role: 'seed' } });
    const a = await startSerfAgent({ node: 'a', profile: 'local', join: [ours.bind] });
    await waitFor(() => ours.ml.members().some((n) => n.name === 'a' && n.state === NodeStateType.Alive), 10_000, 'we see a');
    const b = await startSerfAgent({ node: 'b', profile: 'local', join: [a.bind] });
    await waitFor(async () => (await memberStatus(b, 'seed')) === 'alive', 10_000, 'b sees seed');
    await waitFor(() => ours.ml.members().some((n) => n.name === 'b'), 10_000, 'we see b');
    const mine = ours.ml.members().map((n) => n.name).sort();
    assert.deepEqual(mine, ['a', 'b', 'seed']);
  });

  it('our node killed without leave: the agent marks it failed', async () => {
    const agent = await startSerfAgent({ node: 'agent3', profile: 'local' });
    const ours = await startOurs('doomed');
    await ours.ml.join([agent.bind]);
    await waitFor(async () => (await memberStatus(agent, 'doomed')) === 'alive', 10_000, 'alive first');
    await stopOurs(ours);
    await waitFor(async () => (await memberStatus(agent, 'doomed')) === 'failed', 30_000, 'agent marks doomed failed');
  });

  it('an agent killed: our node declares it dead', async () => {
    const agent = await startSerfAgent({ node: 'victim', profile: 'local' });
    const ours = await startOurs('watcher');
    await ours.ml.join([agent.bind]);
    await waitFor(() => ours.ml.node('victim')?.state === NodeStateType.Alive, 5_000, 'victim alive');
    await agent.kill();
    await waitFor(() => ours.ml.node('victim')?.state === NodeStateType.Dead, 30_000, 'victim dead');
  });

  it('our graceful leave shows as left on the agent', async () => {
    const agent = await startSerfAgent({ node: 'agent4', profile: 'local' });
    const ours = await startOurs('leaver');
    await ours.ml.join([agent.bind]);
    await waitFor(async () => (await memberStatus(agent, 'leaver')) === 'alive', 10_000, 'alive first');
    await ours.member.leave(4_000);
    await waitFor(async () => (await memberStatus(agent, 'leaver')) === 'left', 10_000, 'agent shows leaver left');
  });

  it('an agent leaving gracefully shows as left on our node', async () => {
    const agent = await startSerfAgent({ node: 'polite', profile: 'local' });
    const ours = await startOurs('host');
    await ours.ml.join([agent.bind]);
    await waitFor(() => ours.ml.node('polite')?.state === NodeStateType.Alive, 5_000, 'alive first');
    await agent.stop();
    await waitFor(() => ours.ml.node('polite')?.state === NodeStateType.Left, 10_000, 'polite left');
  });

  describe('encryption', () => {
    const key = randomBytes(32);
    const keyB64 = key.toString('base64');

    it('same key on both sides: members converge', async () => {
      const agent = await startSerfAgent({ node: 'enc-agent', profile: 'local', encrypt: keyB64 });
      const ours = await startOurs('enc-ours', { keyring: new Keyring(key) });
      assert.equal((await ours.ml.join([agent.bind])).joined, 1);
      await waitFor(async () => (await memberStatus(agent, 'enc-ours')) === 'alive', 10_000, 'agent sees us');
      await waitFor(() => ours.ml.node('enc-agent')?.state === NodeStateType.Alive, 5_000, 'we see the agent');
      await delay(1_500);
      assert.equal(await memberStatus(agent, 'enc-ours'), 'alive');
    });

    it('wrong key: nothing gets in either way, nobody crashes', async () => {
      const agent = await startSerfAgent({ node: 'enc-agent2', profile: 'local', encrypt: keyB64 });
      const ours = await startOurs('wrong-key', { keyring: new Keyring(randomBytes(32)) });
      const r = await ours.ml.join([agent.bind]);
      assert.equal(r.joined, 0);
      await delay(1_000);
      assert.equal(await memberStatus(agent, 'wrong-key'), undefined);
      assert.deepEqual(ours.ml.members().map((n) => n.name), ['wrong-key']);
      assert.ok(agent.proc.exitCode === null, 'agent still running');
    });

    it('missing key on our side: the join is refused, agent unaffected', async () => {
      const agent = await startSerfAgent({ node: 'enc-agent3', profile: 'local', encrypt: keyB64 });
      const ours = await startOurs('no-key');
      assert.equal((await ours.ml.join([agent.bind])).joined, 0);
      await delay(1_000);
      assert.equal(await memberStatus(agent, 'no-key'), undefined);
      assert.ok(agent.proc.exitCode === null);
    });

    it('agent without key joining our encrypted node is refused', async () => {
      const ours = await startOurs('enc-seed', { keyring: new Keyring(key) });
      await assert.rejects(startSerfAgent({ node: 'plain', profile: 'local', join: [ours.bind], readyTimeoutMs: 5_000 }));
      assert.deepEqual(ours.ml.members().map((n) => n.name), ['enc-seed']);
    });
  });
});
