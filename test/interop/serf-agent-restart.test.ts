// `distkv agent` state across restarts, against a real `serf agent`: started from a Serf JSON
// config file (snapshot, tags file, keyring file, rejoin_after_leave), it leaves gracefully and
// comes back WITHOUT any -join, rejoining from its snapshot with the tags and the rotated key it
// had saved, and with its Lamport clocks where they were.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serfAvailable, serfCli, serfMembers, startDistkvAgent, startSerfAgent, stopAllPeers, waitFor, type SerfAgent } from './peers.js';

const OLD = 'uDObcHQDUPRvjHqHxSrCcxO5xSVkd8KJi2Z2qTQKalo=';
const NEW = 'AAECAwQFBgcICQoLDA0ODw==';

describe('interop: distkv agent restarts with -snapshot/-rejoin, tags file and keyring file', function () {
  this.timeout(120_000);
  let dir = '';
  let real: SerfAgent;

  before(async function () {
    if (!serfAvailable()) {
      console.warn('SKIPPED distkv agent restart interop: no serf binary (scripts/setup-peers.sh installs it)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'agent-restart-'));
    real = await startSerfAgent({ node: 'real1', profile: 'local', encrypt: OLD });
  });

  after(async () => {
    await stopAllPeers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('comes back from its snapshot into `serf members` of the real agent, with its saved tags, key and clocks', async () => {
    const conf = join(dir, 'agent.json');
    const paths = { snapshot: join(dir, 'snap'), tags: join(dir, 'tags.json'), keyring: join(dir, 'keyring.json') };
    writeFileSync(
      conf,
      JSON.stringify({ profile: 'local', snapshot_path: paths.snapshot, tags_file: paths.tags, keyring_file: paths.keyring, rejoin_after_leave: true, log_level: 'info' }),
    );
    const ours = await startDistkvAgent({ node: 'ours', args: [`-config-file=${conf}`, `-encrypt=${OLD}`, `-join=${real.bind}`] });
    const rpc = ours.rpcAddr;
    await serfCli(rpc, ['tags', '-set', 'saved=yes']);
    assert.deepEqual(JSON.parse(readFileSync(paths.tags, 'utf8')), { saved: 'yes' });
    // Rotate the key through our RPC: the old key is gone everywhere, so only the saved keyring
    // lets us back in. Key queries can miss a slow member on a loaded box: retry until all agree.
    for (const [args, ok] of [
      [['keys', '-install', NEW], /Successfully installed key/],
      [['keys', '-use', NEW], /Successfully changed primary key/],
      [['keys', '-remove', OLD], /Successfully removed key/],
    ] as const) await waitFor(async () => ok.test(await serfCli(rpc, [...args]).catch(() => '')), 30_000, args.join(' '));
    assert.deepEqual(JSON.parse(readFileSync(paths.keyring, 'utf8')), [NEW]);
    await serfCli(real.rpcAddr, ['event', 'before-restart', 'x']);
    const info = async () => JSON.parse(await serfCli(rpc, ['info', '-format=json'])) as { serf: Record<string, string> };
    await waitFor(async () => Number((await info()).serf.event_time) > 1, 20_000, 'ours saw the event');
    const before = (await info()).serf;

    await ours.stop(20_000);
    assert.equal((await ours.exited).code, 0, ours.logs());
    await waitFor(async () => (await serfMembers(real.rpcAddr)).find((m) => m.name === 'ours')?.status === 'left', 30_000, 'real sees ours left');
    assert.match(readFileSync(paths.snapshot, 'utf8'), /^alive: real1 127\.0\.0\.1:\d+$/m);

    // No -join, no -encrypt: snapshot + keyring file + tags file only.
    const again = await startDistkvAgent({ node: 'ours', bind: ours.bind, args: [`-config-file=${conf}`] });
    const m = await waitFor(
      async () => (await serfMembers(real.rpcAddr)).find((x) => x.name === 'ours' && x.status === 'alive'),
      30_000,
      'real sees ours alive again',
    );
    assert.deepEqual(m.tags, { saved: 'yes' });
    assert.match(again.logs(), /Restored 1 tag\(s\)/);
    assert.match(again.logs(), /Restored keyring with 1 keys/);
    const after = JSON.parse(await serfCli(again.rpcAddr, ['info', '-format=json'])) as { serf: Record<string, string> };
    assert.ok(Number(after.serf.event_time) >= Number(before.event_time), `event clock restored: ${after.serf.event_time} >= ${before.event_time}`);
    assert.ok(Number(after.serf.member_time) >= Number(before.member_time), `member clock restored: ${after.serf.member_time} >= ${before.member_time}`);
    assert.equal(after.serf.encrypted, 'true');
  });
});
