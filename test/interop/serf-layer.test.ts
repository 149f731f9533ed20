// Our Serf layer (gossip/serf) against real `serf agent`s: membership with tags, user events and
// queries in both directions (exactly once, acks, filters, relays), tag updates, key queries,
// coordinates for `serf rtt`, and a graceful leave. Agents and our node use the Local profile.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localConfig } from '../../gossip/memberlist/config.js';
import { Keyring } from '../../gossip/memberlist/keyring.js';
import { defaultSerfConfig } from '../../gossip/serf/config.js';
import type { SerfEvent } from '../../gossip/serf/events.js';
import { MemberStatus } from '../../gossip/serf/messages.js';
import { Serf } from '../../gossip/serf/serf.js';
import { createRealRuntime, MemoryLogger, type RealRuntime } from '../../lib/runtime/index.js';
import { serfAvailable, serfCli, serfMembers, startSerfAgent, stopAllPeers, waitFor, type SerfAgent } from './peers.js';

interface Ours {
  serf: Serf;
  rt: RealRuntime;
  logs: MemoryLogger;
  events: SerfEvent[];
  bind: string;
}

const started: Ours[] = [];
let dir = '';

async function startOurs(name: string, opts: { tags?: Record<string, string>; keyring?: Keyring } = {}): Promise<Ours> {
  const logs = new MemoryLogger();
  const rt = await createRealRuntime({ logger: logs });
  const cfg = defaultSerfConfig(name, localConfig(name));
  cfg.tags = new Map(Object.entries(opts.tags ?? {}));
  const serf = Serf.create(rt, { config: cfg, ...(opts.keyring ? { keyring: opts.keyring } : {}) });
  const events: SerfEvent[] = [];
  serf.onEvent((e) => events.push(e));
  const o = { serf, rt, logs, events, bind: `${rt.addr.host}:${rt.addr.port}` };
  started.push(o);
  return o;
}

/** An event handler that logs user events to a file and answers queries. */
function handlerScript(name: string): { path: string; log: string } {
  const log = join(dir, `${name}.events`);
  const path = join(dir, `${name}.sh`);
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$SERF_EVENT" = "user" ]; then printf '%s:%s\\n' "$SERF_USER_EVENT" "$(cat)" >> ${log}; fi\n` +
      `if [ "$SERF_EVENT" = "query" ]; then cat >/dev/null; printf 'answer-from-%s' "$SERF_SELF_NAME"; fi\n`,
  );
  chmodSync(path, 0o755);
  writeFileSync(log, '');
  return { path, log };
}

function userEvents(o: Ours): string[] {
  return o.events.flatMap((e) => (e.type === 'user' ? [`${e.name}:${Buffer.from(e.payload).toString()}`] : []));
}

async function cluster(opts: { ourTags?: Record<string, string>; keyring?: Keyring; encrypt?: string } = {}) {
  const h = handlerScript('agent1');
  const agent = await startSerfAgent({
    node: 'agent1',
    profile: 'local',
    tags: { role: 'real' },
    ...(opts.encrypt ? { encrypt: opts.encrypt } : {}),
    extraArgs: [`-event-handler=${h.path}`],
  });
  const ours = await startOurs('ours1', { tags: opts.ourTags ?? { role: 'kv' }, ...(opts.keyring ? { keyring: opts.keyring } : {}) });
  assert.equal(await ours.serf.join([agent.bind]), 1);
  await waitFor(async () => (await serfMembers(agent.rpcAddr)).some((m) => m.name === 'ours1' && m.status === 'alive'), 10_000, 'agent lists ours1');
  await waitFor(() => ours.serf.members().some((m) => m.name === 'agent1' && m.status === MemberStatus.Alive), 10_000, 'we list agent1');
  return { agent, ours, handlerLog: h.log };
}

describe('interop: our Serf layer with a real serf agent', function () {
  this.timeout(60_000);

  before(function () {
    if (!serfAvailable()) {
      console.warn('SKIPPED serf-layer interop: no serf binary at /usr/bin/serf (scripts/setup-peers.sh installs it)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'serf-layer-'));
  });

  afterEach(async () => {
    for (const o of started.splice(0)) {
      await o.serf.shutdown().catch(() => {});
      await o.rt.close().catch(() => {});
    }
    await stopAllPeers();
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('membership with tags both ways; tag updates reach the agent', async () => {
    const { agent, ours } = await cluster({ ourTags: { role: 'kv', dc: 'test' } });
    const m = (await serfMembers(agent.rpcAddr)).find((x) => x.name === 'ours1')!;
    assert.deepEqual(m.tags, { role: 'kv', dc: 'test' });
    assert.deepEqual(ours.serf.members().find((x) => x.name === 'agent1')!.tags, new Map([['role', 'real']]));
    await ours.serf.setTags(new Map([['role', 'kv'], ['version', '2']]));
    await waitFor(async () => (await serfMembers(agent.rpcAddr)).find((x) => x.name === 'ours1')?.tags.version === '2', 10_000, 'agent sees new tags');
  });

  it('user events: `serf event` via the agent reaches us once; ours reach the agent handler once', async () => {
    const { agent, ours, handlerLog } = await cluster();
    await serfCli(agent.rpcAddr, ['event', 'deploy', 'v1.2.3']);
    await waitFor(() => userEvents(ours).length >= 1, 10_000, 'we got the event');
    ours.serf.userEvent('from-ours', new TextEncoder().encode('hello'), false);
    await waitFor(() => readFileSync(handlerLog, 'utf8').includes('from-ours:hello'), 10_000, 'agent handler ran');
    await new Promise((r) => setTimeout(r, 2000)); // retransmits and push-pulls: still once
    assert.deepEqual(userEvents(ours), ['deploy:v1.2.3', 'from-ours:hello']);
    const lines = readFileSync(handlerLog, 'utf8').trim().split('\n');
    assert.deepEqual(lines.sort(), ['deploy:v1.2.3', 'from-ours:hello']);
  });

  it('queries: `serf query` via the agent is acked and answered by us (with filters)', async () => {
    const { agent, ours } = await cluster();
    ours.serf.onEvent((e) => {
      if (e.type === 'query') e.query.respond(new TextEncoder().encode(`ours got ${Buffer.from(e.query.payload).toString()}`));
    });
    // Side by side: the CLI waits out each query's whole timeout, and the queries are independent.
    const [out, filtered, byNode] = await Promise.all([
      serfCli(agent.rpcAddr, ['query', '-timeout=2s', 'ping-all', 'p1']),
      serfCli(agent.rpcAddr, ['query', '-timeout=2s', '-tag', 'role=^kv$', 'only-kv', 'p2']),
      serfCli(agent.rpcAddr, ['query', '-timeout=2s', '-node', 'agent1', 'only-agent', 'p3']),
    ]);
    assert.match(out, /Ack from 'ours1'/);
    assert.match(out, /Response from 'ours1': ours got p1/);
    assert.match(out, /Response from 'agent1': answer-from-agent1/);
    assert.match(filtered, /Response from 'ours1': ours got p2/);
    assert.doesNotMatch(filtered, /agent1/);
    assert.doesNotMatch(byNode, /ours1/);
  });

  it('queries: ours is acked and answered by the agent', async () => {
    const { ours } = await cluster();
    const resp = ours.serf.query('whoami', new TextEncoder().encode('?'), { requestAck: true, timeout: 2000 });
    const acks: string[] = [];
    const answers: string[] = [];
    await Promise.all([
      (async () => {
        for await (const a of resp.acks!) acks.push(a);
      })(),
      (async () => {
        for await (const r of resp.responses) answers.push(`${r.from}=${Buffer.from(r.payload).toString()}`);
      })(),
    ]);
    assert.deepEqual(acks.sort(), ['agent1', 'ours1']);
    assert.deepEqual(answers, ['agent1=answer-from-agent1']);
  });

  it('key queries: `serf keys -list/-install/-use/-remove` include our node', async () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const { agent, ours, handlerLog } = await cluster({ encrypt: k1, keyring: new Keyring(Buffer.from(k1, 'base64')) });
    let out = await serfCli(agent.rpcAddr, ['keys', '-list']);
    assert.match(out, new RegExp(`${k1.replace(/[+/=]/g, '.')}\\s+\\[2/2\\]`));
    out = await serfCli(agent.rpcAddr, ['keys', `-install=${k2}`]);
    assert.match(out, /Successfully installed key/);
    assert.equal(ours.serf.memberlist.keyring!.getKeys().length, 2);
    out = await serfCli(agent.rpcAddr, ['keys', `-use=${k2}`]);
    assert.match(out, /Successfully changed primary key/);
    assert.equal(Buffer.from(ours.serf.memberlist.keyring!.primaryKey()!).toString('base64'), k2);
    out = await serfCli(agent.rpcAddr, ['keys', `-remove=${k1}`]);
    assert.match(out, /Successfully removed key/);
    assert.equal(ours.serf.memberlist.keyring!.getKeys().length, 1);
    // and the cluster still works on the new key: our event reaches the agent's handler
    ours.serf.userEvent('after-rotation', new Uint8Array(0), false);
    await waitFor(() => readFileSync(handlerLog, 'utf8').includes('after-rotation:'), 10_000, 'agent handler ran after the rotation');
    assert.ok((await serfMembers(agent.rpcAddr)).some((m) => m.name === 'ours1' && m.status === 'alive'));
  });

  it('relayed responses: through our node for the agents, and through the agents for us', async () => {
    const { agent, ours } = await cluster();
    const h2 = handlerScript('agent2');
    const agent2 = await startSerfAgent({ node: 'agent2', profile: 'local', join: [agent.bind], extraArgs: [`-event-handler=${h2.path}`] });
    await waitFor(() => ours.serf.members().filter((m) => m.status === MemberStatus.Alive).length === 3, 10_000, 'we see 3');
    ours.serf.onEvent((e) => {
      if (e.type === 'query') e.query.respond(new TextEncoder().encode('ours'));
    });
    const relays = () => (ours.serf.memberlist.delegates.delegate as unknown as { relayed: number }).relayed;
    // Our query with relay factor 2: each agent answers directly and through both others (us
    // included), and we count every member once.
    const resp = ours.serf.query('relay-me', new Uint8Array(0), { relayFactor: 2, timeout: 2000 });
    const answers: string[] = [];
    for await (const r of resp.responses) answers.push(r.from);
    assert.deepEqual(answers.sort(), ['agent1', 'agent2', 'ours1']);
    assert.ok(relays() > 0, 'the agents relayed through us');
    // The agent's query with relay factor 2: our relayed copies reach it and are deduplicated.
    const out = await serfCli(agent2.rpcAddr, ['query', '-timeout=2s', '-relay-factor=2', 'relay-them', 'x']);
    assert.equal(out.match(/Response from 'ours1'/g)?.length, 1);
    assert.match(out, /Total Responses: 3/);
  });

  it('a real agent that leaves is left for us, one that is killed is failed (with events)', async () => {
    const { agent, ours } = await cluster();
    const a2 = await startSerfAgent({ node: 'agent2', profile: 'local', join: [agent.bind] });
    const status = (n: string) => ours.serf.members().find((m) => m.name === n)?.status;
    await waitFor(() => status('agent2') === MemberStatus.Alive, 10_000, 'agent2 alive');
    // Kill first, while agent2 is there to confirm the suspicion (alone it would run its full max).
    await agent.kill();
    await waitFor(() => status('agent1') === MemberStatus.Failed, 30_000, 'agent1 failed');
    await a2.stop(); // SIGINT: graceful leave
    await waitFor(() => status('agent2') === MemberStatus.Left, 30_000, 'agent2 left');
    const seen = ours.events.flatMap((e) => ('members' in e ? e.members.map((m) => `${e.type}:${m.name}`) : []));
    assert.ok(seen.includes('member-leave:agent2') && seen.includes('member-failed:agent1'), seen.join(' '));
  });

  it('coordinates: `serf rtt` between the agent and our node; our leave shows as left', async () => {
    const { agent, ours } = await cluster();
    await waitFor(() => ours.serf.getCachedCoordinate('agent1'), 15_000, 'we got the agent coordinate');
    const rtt = await waitFor(
      async () => {
        try {
          return await serfCli(agent.rpcAddr, ['rtt', 'agent1', 'ours1']);
        } catch {
          return undefined;
        }
      },
      15_000,
      'serf rtt works',
      500,
    );
    assert.match(rtt, /Estimated agent1 <-> ours1 rtt: [0-9.]+ ms/);
    await ours.serf.leave();
    await waitFor(async () => (await serfMembers(agent.rpcAddr)).find((m) => m.name === 'ours1')?.status === 'left', 10_000, 'agent sees ours1 left');
  });
});
