import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ipToBytes, ipToString, parseJoinAddr } from '../../../gossip/memberlist/node.js';

describe('memberlist node addresses', () => {
  it('IP bytes ↔ text as Go prints them', () => {
    assert.equal(ipToString(Uint8Array.from([127, 0, 0, 1])), '127.0.0.1');
    assert.equal(ipToString(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3])), '10.1.2.3');
    assert.equal(ipToString(ipToBytes('::1')!), '::1');
    assert.equal(ipToString(ipToBytes('fe80::1:2')!), 'fe80::1:2');
    assert.equal(ipToString(ipToBytes('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(ipToBytes('300.1.1.1'), undefined);
    assert.equal(ipToBytes('example.com'), undefined);
    fc.assert(fc.property(fc.ipV4(), (ip) => ipToString(ipToBytes(ip)!) === ip));
    fc.assert(fc.property(fc.ipV6(), (ip) => ipToString(ipToBytes(ipToString(ipToBytes(ip)!))!) === ipToString(ipToBytes(ip)!)));
  });

  it('join addresses: host[:port], [v6]:port, name/ prefix', () => {
    assert.deepEqual(parseJoinAddr('10.0.0.1', 7946), { addr: { host: '10.0.0.1', port: 7946 } });
    assert.deepEqual(parseJoinAddr('10.0.0.1:8000', 7946), { addr: { host: '10.0.0.1', port: 8000 } });
    assert.deepEqual(parseJoinAddr('[::1]:8000', 7946), { addr: { host: '::1', port: 8000 } });
    assert.deepEqual(parseJoinAddr('n1/10.0.0.1:8000', 7946), { name: 'n1', addr: { host: '10.0.0.1', port: 8000 } });
    assert.equal(typeof parseJoinAddr('/10.0.0.1', 7946), 'string');
    assert.equal(typeof parseJoinAddr('10.0.0.1:99999', 7946), 'string');
    assert.equal(typeof parseJoinAddr('host.example:1', 7946), 'string');
  });
});
