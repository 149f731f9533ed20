import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, decodeConfig, defaultAgentConfig, emptyConfig, mergeConfig, readConfigPaths } from '../../../lib/agent/config.js';
import { parseArgs } from '../../../lib/args.js';
import { resolveAgentConfig } from '../../../lib/commands/agent.js';

describe('serf agent config files', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("decodes Serf's keys, durations included", () => {
    const c = decodeConfig(
      JSON.stringify({
        node_name: 'n1', bind: '127.0.0.1:7000', tags: { role: 'kv' }, event_handlers: ['user:x=/bin/true'], start_join: ['a:1'],
        reconnect_interval: '10s', reconnect_timeout: '1h', tombstone_timeout: '24h', retry_interval: '1m30s', broadcast_timeout: '7s',
        rejoin_after_leave: true, protocol: 4, snapshot_path: '/tmp/s', keyring_file: '/tmp/k', tags_file: '/tmp/t', rpc_auth: 'x',
      }),
    );
    assert.equal(c.nodeName, 'n1');
    assert.deepEqual(c.tags, { role: 'kv' });
    assert.deepEqual(c.eventHandlers, ['user:x=/bin/true']);
    assert.equal(c.reconnectInterval, 10_000);
    assert.equal(c.reconnectTimeout, 3_600_000);
    assert.equal(c.tombstoneTimeout, 86_400_000);
    assert.equal(c.retryInterval, 90_000);
    assert.equal(c.broadcastTimeout, 7000);
    assert.equal(c.rejoinAfterLeave, true);
    assert.equal(c.protocol, 4);
  });

  it('refuses unknown keys, wrong types, bad durations and non-objects (as Go: ErrorUnused)', () => {
    assert.throws(() => decodeConfig('{"node":"x"}'), /invalid keys: node/);
    assert.throws(() => decodeConfig('{"protocol":"5"}'), ConfigError);
    assert.throws(() => decodeConfig('{"protocol":1.5}'), ConfigError);
    assert.throws(() => decodeConfig('{"tags":{"a":1}}'), ConfigError);
    assert.throws(() => decodeConfig('{"start_join":"a"}'), ConfigError);
    assert.throws(() => decodeConfig('{"reconnect_interval":"10"}'), /missing unit/);
    assert.throws(() => decodeConfig('[]'), ConfigError);
    assert.throws(() => decodeConfig('{'), ConfigError);
  });

  it('never crashes on arbitrary JSON: decodes or throws ConfigError', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('node_name', 'tags', 'protocol', 'start_join', 'reconnect_interval', 'rejoin_after_leave', 'x'), fc.jsonValue()), (obj) => {
        try {
          decodeConfig(JSON.stringify(obj));
        } catch (e) {
          assert.ok(e instanceof ConfigError, String(e));
        }
      }),
    );
  });

  it("merges as MergeConfig: later wins, booleans only turn on, tags merge, lists accumulate", () => {
    const a = { ...emptyConfig(), nodeName: 'a', tags: { x: '1', y: '1' }, startJoin: ['j1'], rejoinAfterLeave: true, protocol: 4 };
    const b = { ...emptyConfig(), nodeName: 'b', tags: { y: '2' }, startJoin: ['j2'], rejoinAfterLeave: false, protocol: 0, bind: '' };
    const m = mergeConfig({ ...defaultAgentConfig(), ...a }, b);
    assert.equal(m.nodeName, 'b');
    assert.deepEqual(m.tags, { x: '1', y: '2' });
    assert.deepEqual(m.startJoin, ['j1', 'j2']);
    assert.equal(m.rejoinAfterLeave, true);
    assert.equal(m.protocol, 4);
    assert.equal(m.bind, '0.0.0.0');
  });

  it('reads files and directories (only *.json, one level, in name order); flags override files', () => {
    const d = join(dir, 'conf.d');
    mkdirSync(d);
    mkdirSync(join(d, 'sub.json'));
    writeFileSync(join(d, '20-b.json'), JSON.stringify({ node_name: 'from-b', event_handlers: ['b.sh'] }));
    writeFileSync(join(d, '10-a.json'), JSON.stringify({ node_name: 'from-a', event_handlers: ['a.sh'], tags: { t: 'a' }, log_level: 'debug' }));
    writeFileSync(join(d, 'ignored.txt'), 'not json');
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify({ node_name: 'from-file', profile: 'local', rpc_addr: '127.0.0.1:7999' }));
    const c = readConfigPaths([d, file]);
    assert.equal(c.nodeName, 'from-file');
    assert.deepEqual(c.eventHandlers, ['a.sh', 'b.sh']);
    assert.equal(c.profile, 'local');

    const spec = { 'config-file': { type: 'list' as const, aliases: ['config-dir'] } };
    assert.deepEqual(parseArgs(['-config-dir', d, '-config-file', file], spec).flags.get('config-file'), [d, file]);
    const r = resolveAgentConfig(new Map<string, unknown>([['config-file', [d, file]], ['node', 'from-flag'], ['event-handler', ['c.sh']], ['tag', ['u=1']]]));
    assert.equal(r.nodeName, 'from-flag');
    assert.deepEqual(r.eventHandlers, ['a.sh', 'b.sh', 'c.sh']);
    assert.deepEqual(r.tags, { t: 'a', u: '1' });
    assert.equal(r.logLevel, 'debug');
    assert.equal(r.rpcAddr, '127.0.0.1:7999');
    assert.equal(r.enableCompression, true);
    assert.throws(() => readConfigPaths([join(dir, 'missing.json')]), /Error reading/);
    writeFileSync(join(dir, 'bad.json'), '{"nope":1}');
    assert.throws(() => readConfigPaths([join(dir, 'bad.json')]), /Error decoding .*invalid keys: nope/);
  });

  it('raises retry interval and broadcast timeout to their 1 s floors; role becomes a tag', () => {
    const r = resolveAgentConfig(new Map<string, unknown>([['retry-interval', '10ms'], ['broadcast-timeout', '1ms'], ['role', 'db'], ['disable-compression', true]]));
    assert.equal(r.retryInterval, 1000);
    assert.equal(r.broadcastTimeout, 1000);
    assert.deepEqual(r.tags, { role: 'db' });
    assert.deepEqual(Object.entries(resolveAgentConfig(new Map<string, unknown>([['tag', ['__proto__=x']]])).tags), [['__proto__', 'x']]);
    assert.equal(r.enableCompression, false);
  });
});
