// The auth/TLS server settings: `server.bind_default.ssl` (python's shape: false or {cert, key})
// `auth.hardened` and `connect.auth`, from -C, the named flags and a YAML file.
import { strict as assert } from 'node:assert';
import { clientTlsSettings } from '../../../lib/config/client-tls.js';
import { ConfigError, parseConfigText } from '../../../lib/config/layers.js';
import { resolveConfig, serverSettings } from '../../../lib/config/server-config.js';

describe('lib/config: client TLS and auth.hardened', () => {
  it('defaults: plain TCP, python-style password records', () => {
    const s = serverSettings(resolveConfig({}));
    assert.equal(s.clientBinds[0]!.tls, undefined);
    assert.equal(s.authHardened, false);
  });

  it('-C, flags and a file set them', () => {
    const c = serverSettings(resolveConfig({ overrides: ['server.bind_default.ssl.cert=/c.pem', 'server.bind_default.ssl.key=/k.pem', 'auth.hardened=true'] }));
    assert.deepEqual(c.clientBinds[0]!.tls, { cert: '/c.pem', key: '/k.pem' });
    assert.equal(c.authHardened, true);
    const f = serverSettings(resolveConfig({ flags: new Map<string, string | boolean>([['tls-cert', '/c'], ['tls-key', '/k'], ['auth-hardened', true]]) }));
    assert.deepEqual(f.clientBinds[0]!.tls, { cert: '/c', key: '/k' });
    assert.equal(f.authHardened, true);
    const y = serverSettings(resolveConfig({ file: parseConfigText('server:\n  bind_default:\n    ssl: {cert: a.pem, key: b.pem}\nauth: {hardened: true}\n', 'f.yaml') }));
    assert.deepEqual(y.clientBinds[0]!.tls, { cert: 'a.pem', key: 'b.pem' });
    assert.equal(y.authHardened, true);
  });

  it("connect.auth (python's key, -a syntax): how a node logs in to its peers", () => {
    assert.equal(serverSettings(resolveConfig({})).peerLogin, undefined);
    const s = serverSettings(resolveConfig({ overrides: ['connect.auth=password name=peer password=pw'] }));
    assert.deepEqual(s.peerLogin, { method: 'password', name: 'peer', password: 'pw' });
    assert.throws(() => serverSettings(resolveConfig({ overrides: ['connect.auth=password name=x'] })), ConfigError);
    assert.throws(() => serverSettings(resolveConfig({ overrides: ['connect.auth=nosuch'] })), ConfigError);
  });

  it('refuses what cannot serve TLS: ssl true without files, a missing key, unknown keys, wrong types', () => {
    assert.equal(clientTlsSettings(false), undefined);
    for (const bad of [true, 'true', { cert: 'c' }, { key: 'k' }, { cert: 'c', key: 'k', crl: 'x' }, { cert: 'c', key: 'k', ca: '' }, 3, ['c', 'k'], { cert: 1, key: 'k' }])
      assert.throws(() => clientTlsSettings(bad), ConfigError, JSON.stringify(bad));
    assert.throws(() => serverSettings(resolveConfig({ overrides: ['auth.hardened=maybe'] })), ConfigError);
  });
});
