// python's `server.bind` list, each entry over `server.bind_default` as its combine_dict merges
// them (an entry's ssl map keeps the default's other files), from YAML, -C, DISTKV_* and the
// flags; errors name the entry; on SIGHUP the same ports reload their certificates, other changes
// wait for a restart.
import { strict as assert } from 'node:assert';
import { ConfigError, parseConfigText } from '../../../lib/config/layers.js';
import { resolveConfig, serverSettings } from '../../../lib/config/server-config.js';
import { applyReload } from '../../../lib/config/reload.js';
import { SwitchLogger } from '../../../lib/config/switch-logger.js';
import { MemoryLogger } from '../../../lib/runtime/index.js';
import { SubLogger } from '../../../gossip/runtime.js';

describe('lib/config: several client ports (server.bind)', () => {
  it("python's YAML shape: entries over bind_default (localhost read as 127.0.0.1)", () => {
    const file = parseConfigText(
      [
        'server:',
        '  bind_default: {host: localhost, port: 27600, ssl: {cert: c.pem, key: k.pem, ca: ca.pem}}',
        '  bind:',
        '    - {ssl: false}',
        '    - {host: 0.0.0.0, port: 27601}',
        '    - {port: 27602, ssl: {cert: other.pem}}',
        '',
      ].join('\n'),
      'f.yaml',
    );
    const s = serverSettings(resolveConfig({ file }));
    assert.deepEqual(s.clientBinds, [
      { addr: { host: '127.0.0.1', port: 27600 }, tls: undefined },
      { addr: { host: '0.0.0.0', port: 27601 }, tls: { cert: 'c.pem', key: 'k.pem', ca: 'ca.pem' } },
      { addr: { host: '127.0.0.1', port: 27602 }, tls: { cert: 'other.pem', key: 'k.pem', ca: 'ca.pem' } },
    ]);
  });

  it('-C and DISTKV_* (JSON, as for any map or list there), DISTKV_* (JSON) and --client-addr / --tls-* / --tls-client-ca', () => {
    const c = serverSettings(resolveConfig({ overrides: ['server.bind=[{"port": 1}, {"port": 2, "host": "127.0.0.2"}]'] }));
    assert.deepEqual(
      c.clientBinds.map((b) => b.addr),
      [
        { host: '127.0.0.1', port: 1 },
        { host: '127.0.0.2', port: 2 },
      ],
    );
    const e = serverSettings(resolveConfig({ env: { DISTKV_SERVER__BIND: '[{"port": 5}, {}]' } }));
    assert.deepEqual(
      e.clientBinds.map((b) => b.addr.port),
      [5, 27586],
    );
    const f = serverSettings(
      resolveConfig({
        overrides: ['server.bind=[{"port": 7}, {"ssl": false}]'],
        flags: new Map<string, string>([
          ['client-addr', '127.0.0.3:9'],
          ['tls-cert', '/c'],
          ['tls-key', '/k'],
          ['tls-client-ca', '/ca'],
        ]),
      }),
    );
    assert.deepEqual(f.clientBinds, [
      { addr: { host: '127.0.0.3', port: 7 }, tls: { cert: '/c', key: '/k', ca: '/ca' } },
      { addr: { host: '127.0.0.3', port: 9 }, tls: undefined },
    ]);
  });

  it('errors name the entry: empty list, non-maps, unknown keys, bad ports, ssl true', () => {
    const bad = (v: string, re: RegExp) => assert.throws(() => serverSettings(resolveConfig({ overrides: [`server.bind=${v}`] })), (e: Error) => e instanceof ConfigError && re.test(e.message));
    bad('[]', /server\.bind: an empty list/);
    bad('[{}, 3]', /server\.bind\[1\]: expected a map/);
    bad('[{"hots": "x"}]', /server\.bind\[0\]\.hots: unknown key/);
    bad('[{}, {"port": 70000}]', /server\.bind\[1\]\.port: bad port/);
    bad('[{"ssl": true}]', /server\.bind\[0\]\.ssl: true without cert/);
    bad('[{"ssl": {"cert": "c"}}]', /server\.bind\[0\]\.ssl\.key: expected a PEM file path/);
  });

  describe('SIGHUP', () => {
    const settings = (binds: string) => serverSettings(resolveConfig({ overrides: [`server.bind=${binds}`] }));
    async function reload(a: string, b: string) {
      const calls: unknown[][] = [];
      const mem = new MemoryLogger('info');
      const target = {
        node: {
          setTags: async () => {},
          setHostmap: () => {},
          reloadClientTls: (l: readonly unknown[]) => (calls.push([...l]), []),
        },
        sink: new SwitchLogger(mem),
        log: new SubLogger(mem, 'test'),
        makeLogger: () => mem,
      };
      const applied = await applyReload(target, settings(a), settings(b));
      return { calls, applied, warned: mem.records.filter((r) => r.level === 'warn').map((r) => JSON.stringify(r.fields)) };
    }
    it('same ports: every TLS one reloads (new file paths too), nothing waits for a restart', async () => {
      const r = await reload('[{"port": 1}, {"port": 2, "ssl": {"cert": "a", "key": "b"}}]', '[{"port": 1}, {"port": 2, "ssl": {"cert": "a2", "key": "b"}}]');
      assert.equal(r.calls.length, 1);
      assert.equal(r.calls[0]![0], undefined);
      assert.equal(typeof r.calls[0]![1], 'function');
      assert.deepEqual(r.applied, ['clientBinds']);
      assert.deepEqual(r.warned, []);
      const same = await reload('[{"port": 2, "ssl": {"cert": "a", "key": "b"}}]', '[{"port": 2, "ssl": {"cert": "a", "key": "b"}}]');
      assert.equal(same.calls.length, 1, 'unchanged paths are read again (a renewed certificate)');
    });
    it('a moved port, a new one, TLS on/off or a client CA added: restart needed, nothing reloaded', async () => {
      for (const [a, b] of [
        ['[{"port": 1}]', '[{"port": 3}]'],
        ['[{"port": 1}]', '[{"port": 1}, {"port": 2}]'],
        ['[{"port": 1}]', '[{"port": 1, "ssl": {"cert": "a", "key": "b"}}]'],
        ['[{"port": 1, "ssl": {"cert": "a", "key": "b"}}]', '[{"port": 1, "ssl": {"cert": "a", "key": "b", "ca": "c"}}]'],
      ] as const) {
        const r = await reload(a, b);
        assert.equal(r.calls.length, 0, b);
        assert.deepEqual(r.applied, []);
        assert.match(r.warned.join(), /clientBinds/);
      }
    });
  });
});
