import { strict as assert } from 'node:assert';
import { TransportError } from '../../../gossip/runtime.js';
import { parseAddr, resolveAddrs, splitHostPort } from '../../../lib/runtime/addr.js';

describe('lib/runtime/addr', () => {
  it('splits the spellings users type', () => {
    assert.deepEqual(splitHostPort('127.0.0.1:7946'), { host: '127.0.0.1', port: 7946 });
    assert.deepEqual(splitHostPort('[::1]:7946'), { host: '::1', port: 7946 });
    assert.deepEqual(splitHostPort('[::1]'), { host: '::1', port: undefined });
    assert.deepEqual(splitHostPort('::1'), { host: '::1', port: undefined });
    assert.deepEqual(splitHostPort('fe80::1'), { host: 'fe80::1', port: undefined });
    assert.deepEqual(splitHostPort('node-a'), { host: 'node-a', port: undefined });
    assert.deepEqual(splitHostPort(' localhost:0 '), { host: 'localhost', port: 0 });
    for (const bad of ['', ':7946', '1.2.3.4:', '1.2.3.4:x', '1.2.3.4:65536', 'a:b:c']) {
      assert.throws(() => splitHostPort(bad), Error, bad);
    }
  });

  it('parseAddr takes literals only and applies the default port', () => {
    assert.deepEqual(parseAddr('10.0.0.1', 7946), { host: '10.0.0.1', port: 7946 });
    assert.deepEqual(parseAddr('[::1]:1', 7946), { host: '::1', port: 1 });
    assert.throws(() => parseAddr('localhost:1', 7946), /not an IP address/);
  });

  it('resolveAddrs passes literals through and resolves localhost, IPv4 first', async () => {
    assert.deepEqual(await resolveAddrs('127.0.0.2:5', 1), [{ host: '127.0.0.2', port: 5 }]);
    const l = await resolveAddrs('localhost', 7946);
    assert.ok(l.length >= 1);
    assert.ok(l.every((a) => a.port === 7946));
    if (l.some((a) => a.host === '127.0.0.1')) assert.equal(l[0]!.host, '127.0.0.1');
  });

  it("resolveAddrs fails with TransportError 'unreachable' for unknown names", async () => {
    await assert.rejects(resolveAddrs('no-such-host.invalid:1', 1), (e) => e instanceof TransportError && e.code === 'unreachable');
    await assert.rejects(resolveAddrs('a:b:c', 1), (e) => e instanceof TransportError && e.code === 'unreachable');
  });
});
