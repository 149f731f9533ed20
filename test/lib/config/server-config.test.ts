// distkv server's configuration: DistKV's config shape (python's own default config loads),
// precedence flags > -C > DISTKV_* > file > defaults, env naming, checked values, and what a
// SIGHUP may change at run time.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ConfigError, envLayer, mergeConfig, overrideLayer, parseConfigText } from '../../../lib/config/layers.js';
import { resolveConfig, serverSettings, type ServerSettings } from '../../../lib/config/server-config.js';
import { changedSettings } from '../../../lib/config/reload.js';

const flags = (o: Record<string, string | boolean | string[]>) => new Map(Object.entries(o));

describe('lib/config: server configuration', () => {
  it('defaults: loopback client port 27586, gossip 127.0.0.1:7946 (may fall back), python buffer/ping/root, fsync ack, no metrics', () => {
    const s = serverSettings(resolveConfig({}));
    assert.deepEqual(s.clientBinds, [{ addr: { host: '127.0.0.1', port: 27586 }, tls: undefined }]);
    assert.deepEqual(s.bind, { host: '127.0.0.1', port: 7946 });
    assert.equal(s.bindIsDefault, true);
    assert.equal(s.buffer, 10);
    assert.deepEqual(s.ping, { cycle: 10, gap: 2 });
    assert.equal(s.root, ':distkv');
    assert.equal(s.fsync, 'ack');
    assert.equal(s.metricsAddr, undefined);
    assert.equal(s.dataDir, undefined);
    assert.equal(s.rpcFlags.size, 0);
  });

  it("python DistKV's config shape in YAML: localhost, the root tuple, hostmap pairs, logging.root.level", () => {
    const file = parseConfigText(
      `server:\n  buffer: 20\n  root: [":mykv"]\n  bind_default:\n    host: localhost\n    port: 27600\n  ping: {cycle: 3, gap: 1}\nhostmap:\n  py1: [localhost, 27586]\n  py2: "127.0.0.1:27587"\nlogging:\n  version: 1\n  root: {level: DEBUG}\n`,
      'f.yaml',
    );
    const s = serverSettings(resolveConfig({ file }));
    assert.deepEqual(s.clientBinds, [{ addr: { host: '127.0.0.1', port: 27600 }, tls: undefined }]);
    assert.equal(s.buffer, 20);
    assert.equal(s.root, ':mykv');
    assert.deepEqual(s.ping, { cycle: 3, gap: 1 });
    assert.deepEqual(s.hostmap, { py1: ['localhost', 27586], py2: '127.0.0.1:27587' });
    assert.equal(s.logLevel, 'debug');
  });

  it('JSON files parse too; garbage and non-maps are ConfigErrors', () => {
    assert.deepEqual(parseConfigText('{"server": {"buffer": 5}}', 'x.json'), { server: { buffer: 5 } });
    assert.throws(() => parseConfigText('server: [1, 2', 'bad.yaml'), ConfigError);
    assert.throws(() => parseConfigText('- 1\n- 2\n', 'list.yaml'), /top level must be a map/);
    assert.deepEqual(parseConfigText('', 'empty.yaml'), {});
  });

  it('precedence: named flags > -C > DISTKV_* > file > defaults', () => {
    const file = { server: { buffer: 1, data_dir: '/file', bind_default: { port: 1001 } }, serf: { profile: 'wan', tags: { a: 'file', b: 'file' } } };
    const env = { DISTKV_SERVER__BUFFER: '2', DISTKV_SERVER__DATA_DIR: '/env', DISTKV_SERF__PROFILE: 'local', HOME: '/x' };
    let s = serverSettings(resolveConfig({ file, env }));
    assert.equal(s.buffer, 2);
    assert.equal(s.dataDir, '/env');
    assert.equal(s.profile, 'local');
    s = serverSettings(resolveConfig({ file, env, overrides: ['server.buffer=3', 'server.data_dir=/c'] }));
    assert.equal(s.buffer, 3);
    assert.equal(s.dataDir, '/c');
    s = serverSettings(resolveConfig({ file, env, overrides: ['server.data_dir=/c'], flags: flags({ 'data-dir': '/flag', 'client-addr': '127.0.0.2:2002', tag: ['a=flag'] }) }));
    assert.equal(s.dataDir, '/flag');
    assert.deepEqual(s.clientBinds, [{ addr: { host: '127.0.0.2', port: 2002 }, tls: undefined }]);
    assert.deepEqual([...s.tags], [['a', 'flag'], ['b', 'file']], 'maps merge key by key');
    assert.equal(s.buffer, 2);
  });

  it('DISTKV_* names: __ separates keys, _ stays inside one, values evaluated like -C; DISTKV_CONFIG is not a key', () => {
    assert.deepEqual(envLayer({ DISTKV_SERVER__BIND_DEFAULT__PORT: '27590', DISTKV_SERVER__PARANOIA: 'True', DISTKV_CONFIG: '/etc/x.yaml', OTHER: '1' }), {
      server: { bind_default: { port: 27590 }, paranoia: true },
    });
  });

  it('-C evaluates numbers and literals, keeps other text; a bad -C is a ConfigError', () => {
    assert.deepEqual(overrideLayer('server.ping.cycle=3'), { server: { ping: { cycle: 3 } } });
    assert.deepEqual(overrideLayer('hostmap.p=127.0.0.1:27586'), { hostmap: { p: '127.0.0.1:27586' } });
    assert.throws(() => overrideLayer('novalue'), ConfigError);
    assert.throws(() => overrideLayer('a..b=1'), ConfigError);
    assert.throws(() => overrideLayer('__proto__.x=1'), ConfigError);
  });

  it('wrong values name their key', () => {
    const bad = (o: Record<string, unknown>, re: RegExp) => assert.throws(() => serverSettings(resolveConfig({ file: o })), re);
    bad({ server: { buffer: 'lots' } }, /server\.buffer/);
    bad({ server: { fsync: 'sometimes' } }, /server\.fsync/);
    bad({ server: { bind_default: { port: 70000 } } }, /bind_default\.port/);
    bad({ logging: { level: 'loud' } }, /logging\.level/);
    bad({ logging: { format: 'xml' } }, /logging\.format/);
    bad({ hostmap: { x: 5 } }, /hostmap\.x/);
    bad({ serf: { start_join: [1] } }, /serf\.start_join/);
  });

  it('merging never lets a key reach the prototype, and any two trees merge without throwing', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": 1}, "a": {"__proto__": {"p": 2}}}') as Record<string, unknown>;
    const m = mergeConfig({}, evil);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((m as Record<string, unknown>).polluted, undefined);
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        const t = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { v });
        mergeConfig(t(x), t(y));
      }),
    );
  });

  it('SIGHUP: which settings changed (Maps compared by content)', () => {
    const a: ServerSettings = serverSettings(resolveConfig({ file: { serf: { tags: { r: '1' } } } }));
    const b: ServerSettings = serverSettings(resolveConfig({ file: { serf: { tags: { r: '2' } }, logging: { level: 'debug' }, server: { buffer: 4 } } }));
    assert.deepEqual(changedSettings(a, a), []);
    assert.deepEqual(changedSettings(a, b).sort(), ['buffer', 'logLevel', 'tags']);
  });
});
