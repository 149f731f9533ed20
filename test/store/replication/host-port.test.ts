// python `_get_host_port`: meta hostmap, config hostmap (string with/without port, pair), Serf
// tag, name; domain appended to dotless names.
import { strict as assert } from 'node:assert';
import { hostPortOf } from '../../../store/replication/host-port.js';
import { Store } from '../../../store/store.js';

describe('store/replication/host-port', () => {
  const store = new Store('me', { tick: 0 });
  store.setValue([null, 'hostmap', 'meta1'], ['10.0.0.1', 1234]);
  const cfg = {
    hostmap: { cfg1: '10.0.0.2:2345', cfg2: 'h2', cfg3: ['10.0.0.3', 3456] as const, meta1: 'ignored:1' },
    defaultPort: 27586,
    tagLookup: (n: string) => (n === 'ours' ? '127.0.0.1:4000' : undefined),
  };
  it('prefers the meta tree, then the config, then the Serf tag, then the name', () => {
    assert.deepEqual(hostPortOf(store, 'meta1', cfg), ['10.0.0.1', 1234]);
    assert.deepEqual(hostPortOf(store, 'cfg1', cfg), ['10.0.0.2', 2345]);
    assert.deepEqual(hostPortOf(store, 'cfg2', cfg), ['h2', 27586]);
    assert.deepEqual(hostPortOf(store, 'cfg3', cfg), ['10.0.0.3', 3456]);
    assert.deepEqual(hostPortOf(store, 'ours', cfg), ['127.0.0.1', 4000]);
    assert.deepEqual(hostPortOf(store, 'plain', cfg), ['plain', 27586]);
  });
  it('appends the domain to dotless names other than localhost', () => {
    assert.deepEqual(hostPortOf(store, 'plain', { domain: 'example.org' }), ['plain.example.org', 27586]);
    assert.deepEqual(hostPortOf(store, 'localhost', { domain: 'example.org' }), ['localhost', 27586]);
    assert.deepEqual(hostPortOf(store, 'cfg1', { ...cfg, domain: 'example.org' }), ['10.0.0.2', 2345]);
  });
});
