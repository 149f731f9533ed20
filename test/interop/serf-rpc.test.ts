// The REAL `serf` CLI (0.9.4) against OUR agent's RPC port, in a mixed, encrypted cluster: our
// `distkv agent` (with -rpc-auth and an -event-handler) + real `serf agent`s, local profile.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  resolvesWithin,
  runCommand,
  SERF_BIN,
  serfAvailable,
  serfCli,
  serfMembers,
  spawnPeer,
  startSerfAgent,
  stopAllPeers,
  waitFor,
  waitForOutput,
  type PeerProcess,
  type SerfAgent,
} from './peers.js';

const AUTH = 'sekret';
const KEY = 'uDObcHQDUPRvjHqHxSrCcxO5xSVkd8KJi2Z2qTQKalo=';

/** A handler logging user events ("name:payload") to a file and answering queries. */
function handler(dir: string, name: string): { path: string; log: string } {
  const log = join(dir, `${name}.events`);
  const path = join(dir, `${name}.sh`);
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$SERF_EVENT" = "user" ]; then printf '%s:%s:%s\\n' "$SERF_USER_EVENT" "$SERF_SELF_NAME" "$(cat)" >> ${log}; fi\n` +
      `if [ "$SERF_EVENT" = "query" ]; then cat >/dev/null; printf 'answer-from-%s' "$SERF_SELF_NAME"; fi\n`,
  );
  chmodSync(path, 0o755);
  writeFileSync(log, '');
  return { path, log };
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('interop: real serf CLI against our agent RPC', function () {
  this.timeout(60_000);
  let dir = '';
  let r1: SerfAgent;
  let r2: SerfAgent;
  let ours: PeerProcess;
  let rpc = '';
  let oursLog = '';
  let r2Log = '';
  /** `serf <cmd> -rpc-addr=ours -rpc-auth=… args` */
  const cli = (cmd: string, ...args: string[]) => serfCli(rpc, [cmd, `-rpc-auth=${AUTH}`, ...args]);

  before(async function () {
    if (!serfAvailable()) {
      console.warn(`SKIPPED serf RPC interop: no serf binary at ${SERF_BIN} (scripts/setup-peers.sh installs it)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'serf-rpc-'));
    const h2 = handler(dir, 'r2');
    r2Log = h2.log;
    r1 = await startSerfAgent({ node: 'r1', profile: 'local', encrypt: KEY, tags: { role: 'real' } });
    const ho = handler(dir, 'ours');
    oursLog = ho.log;
    rpc = `127.0.0.1:${await freePort()}`;
    const bind = `127.0.0.1:${await freePort()}`;
    // r2 and ours both join r1: they start side by side.
    ours = spawnPeer(
      process.execPath,
      ['--import', 'tsx', 'lib/cli.ts', 'agent', '-node=ours', `-bind=${bind}`, `-rpc-addr=${rpc}`, `-rpc-auth=${AUTH}`, `-encrypt=${KEY}`, '-profile=local', '-tag=role=ts', `-join=${r1.bind}`, `-event-handler=${ho.path}`],
      { stopSignal: 'SIGINT' },
    );
    [r2] = await Promise.all([
      startSerfAgent({ node: 'r2', profile: 'local', encrypt: KEY, tags: { role: 'real' }, join: [r1.bind], extraArgs: [`-event-handler=${h2.path}`] }),
      waitForOutput(ours, /Join completed/, 30_000, 'distkv agent join'),
    ]);
    await waitFor(async () => (await serfMembers(r2.rpcAddr)).filter((m) => m.status === 'alive').length === 3, 10_000, 'r2 sees 3 alive');
  });

  after(async () => {
    await stopAllPeers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serf members via ours: the mixed cluster with tags (text, -format=json, -status, -tag, -name filters)', async () => {
    await waitFor(async () => (await cli('members', '-status=alive')).trim().split('\n').length === 3, 10_000, 'ours lists 3 alive');
    const text = await cli('members');
    assert.match(text, /^ours\s+127\.0\.0\.1:\d+\s+alive\s+role=ts$/m);
    assert.match(text, /^r1\s+127\.0\.0\.1:\d+\s+alive\s+role=real$/m);
    const json = JSON.parse(await cli('members', '-format=json')) as { members: { name: string; status: string; tags: Record<string, string>; protocol: { version: number } }[] };
    assert.deepEqual(json.members.map((m) => m.name).sort(), ['ours', 'r1', 'r2']);
    assert.deepEqual(json.members.find((m) => m.name === 'r2')!.tags, { role: 'real' });
    const real = await cli('members', '-tag', 'role=re.*');
    assert.deepEqual(real.trim().split('\n').map((l) => l.split(/\s+/)[0]).sort(), ['r1', 'r2']);
    assert.match(await cli('members', '-name=ou.*'), /^ours\s/);
    assert.equal((await cli('members', '-status=failed')).trim(), '');
  });

  it('-rpc-auth: a wrong or missing key is refused', async () => {
    const wrong = await runCommand(SERF_BIN, ['members', `-rpc-addr=${rpc}`, '-rpc-auth=wrong']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout + wrong.stderr, /Invalid authentication token/);
    const none = await runCommand(SERF_BIN, ['members', `-rpc-addr=${rpc}`]);
    assert.notEqual(none.code, 0);
    assert.match(none.stdout + none.stderr, /Authentication required/);
  });

  it('serf tags -set via ours shows up on the real agents', async () => {
    await cli('tags', '-set', 'k=v');
    await waitFor(async () => (await serfMembers(r1.rpcAddr)).find((m) => m.name === 'ours')?.tags.k === 'v', 10_000, 'r1 sees k=v');
    await cli('tags', '-delete', 'k');
    await waitFor(async () => (await serfMembers(r2.rpcAddr)).find((m) => m.name === 'ours')?.tags.k === undefined, 10_000, 'r2 sees k gone');
  });

  it('serf event via ours reaches a real agent’s handler once; via a real agent reaches our -event-handler once', async () => {
    assert.match(await cli('event', 'from-ours', 'p1'), /Event 'from-ours' dispatched/);
    await waitFor(() => lines(r2Log).includes('from-ours:r2:p1'), 10_000, 'r2 handler ran');
    await serfCli(r1.rpcAddr, ['event', 'from-real', 'p2']);
    await waitFor(() => lines(oursLog).includes('from-real:ours:p2'), 10_000, 'our handler ran');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(lines(r2Log).filter((l) => l.startsWith('from-ours:')).length, 1);
    assert.equal(lines(oursLog).filter((l) => l.startsWith('from-real:')).length, 1);
  });

  it('serf query via ours: acks from all, responses from handlers, node filter', async () => {
    // Side by side: the CLI waits out each query's whole timeout, and the queries are independent.
    const [out, onlyOut] = await Promise.all([cli('query', '-timeout=2s', 'q1', 'x'), cli('query', '-timeout=2s', '-node=r2', '-format=json', 'q2')]);
    assert.match(out, /Ack from 'r1'/);
    assert.match(out, /Ack from 'ours'/);
    assert.match(out, /Response from 'r2': answer-from-r2/);
    assert.match(out, /Response from 'ours': answer-from-ours/);
    const only = JSON.parse(onlyOut) as { Acks: string[]; Responses: Record<string, string> };
    assert.deepEqual(only.Acks, ['r2']);
    assert.deepEqual(only.Responses, { r2: 'answer-from-r2' });
  });

  it('serf monitor streams our log (replay, then live lines)', async () => {
    const mon = spawnPeer(SERF_BIN, ['monitor', `-rpc-addr=${rpc}`, `-rpc-auth=${AUTH}`, '-log-level=info']);
    try {
      await waitForOutput(mon, /\[INFO\] agent\.ipc: Accepted client/, 10_000, 'monitor replay');
      await serfCli(r1.rpcAddr, ['event', 'watched', 'w']);
      await waitForOutput(mon, /\[INFO\] agent: received event name=watched/, 10_000, 'monitor live line');
      assert.doesNotMatch(mon.logs(), /\[DEBUG\]/);
    } finally {
      await mon.kill();
    }
  });

  it('serf keys -list (encrypted cluster), serf info, serf rtt', async () => {
    const keys = await cli('keys', '-list');
    assert.match(keys, new RegExp(`${KEY.replace(/[+/=]/g, '\\$&')}\\s+\\[3/3\\]`));
    const info = await cli('info');
    assert.match(info, /name = ours/);
    assert.match(info, /members = 3/);
    assert.match(info, /encrypted = true/);
    await waitFor(async () => /Estimated r1 <-> ours rtt: [\d.]+ ms/.test(await cli('rtt', 'r1').catch(() => '')), 10_000, 'rtt r1<->ours');
    assert.match(await cli('rtt', 'r1', 'r2'), /Estimated r1 <-> r2 rtt/);
  });

  it('serf join via ours; serf force-leave via ours turns a crashed agent `left` on the real agents', async () => {
    const r3 = await startSerfAgent({ node: 'r3', profile: 'local', encrypt: KEY });
    assert.match(await cli('join', r3.bind), /Successfully joined cluster by contacting 1 nodes/);
    await waitFor(async () => (await serfMembers(r1.rpcAddr)).some((m) => m.name === 'r3' && m.status === 'alive'), 30_000, 'r1 sees r3');
    await r3.kill();
    await waitFor(async () => (await cli('members', '-name=r3')).includes('failed'), 20_000, 'ours sees r3 failed');
    await cli('force-leave', 'r3');
    await waitFor(async () => (await serfMembers(r1.rpcAddr)).find((m) => m.name === 'r3')?.status === 'left', 30_000, 'r1 sees r3 left');
  });

  it('serf keys -install/-use/-remove via ours rotate the key across the mixed cluster, which stays converged', async () => {
    const fresh = 'AAECAwQFBgcICQoLDA0ODw==';
    // Key operations are cluster queries with Serf's query timeout; on a loaded machine one member
    // may answer late ("2/3 nodes reported success"). They are idempotent, so retry until all agree.
    const allAgree = (args: [string, ...string[]], ok: RegExp, what: string) =>
      waitFor(async () => ok.test(await cli(...args).catch(() => '')), 20_000, what);
    await allAgree(['keys', '-install', fresh], /Successfully installed key!/, 'keys -install on all members');
    await allAgree(['keys', '-use', fresh], /Successfully changed primary key!/, 'keys -use on all members');
    await allAgree(['keys', '-remove', KEY], /Successfully removed key!/, 'keys -remove on all members');
    const list = await waitFor(
      async () => {
        const out = await serfCli(r1.rpcAddr, ['keys', '-list']).catch(() => '');
        return /\[3\/3\]/.test(out) ? out : undefined;
      },
      20_000,
      'keys -list answered by all members',
    );
    assert.match(list, /AAECAwQFBgcICQoLDA0ODw==\s+\[3\/3\]/);
    assert.doesNotMatch(list, new RegExp(KEY.replace(/[+/=]/g, '\\$&')));
    // Gossip still flows under the new key: a tag change reaches the real agents.
    await cli('tags', '-set', 'after=rotation');
    await waitFor(async () => (await serfMembers(r2.rpcAddr)).find((m) => m.name === 'ours')?.tags.after === 'rotation', 10_000, 'r2 sees tag after rotation');
  });

  it('serf leave via ours: the agent leaves (left on the real agents) and exits', async () => {
    assert.match(await cli('leave'), /Graceful leave complete/);
    assert.deepEqual(await resolvesWithin(ours.exited, 15_000), { code: 0, signal: null });
    await waitFor(async () => (await serfMembers(r1.rpcAddr)).find((m) => m.name === 'ours')?.status === 'left', 30_000, 'r1 sees ours left');
  });
});
