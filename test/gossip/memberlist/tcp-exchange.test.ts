import { strict as assert } from 'node:assert';
import type { Vsn } from '../../../gossip/memberlist/node.js';
import { verifyProtocol } from '../../../gossip/memberlist/tcp-exchange.js';

const serfVsn: Vsn = [1, 5, 2, 2, 5, 4];
const remote = (name: string, vsn: number[], state = 0) => ({ name, addr: new Uint8Array(4), port: 1, meta: null, incarnation: 1, state, vsn });

describe('memberlist push-pull protocol check (verifyProtocol)', () => {
  it('accepts a Serf cluster when we advertise Serf delegate versions', () => {
    assert.equal(verifyProtocol([remote('agent', [1, 5, 2, 2, 5, 5])], [{ name: 'me', state: 0, vsn: serfVsn }]), undefined);
  });
  it('refuses when delegate versions cannot overlap (a bare memberlist advertising 0,0,0 in a Serf cluster)', () => {
    const err = verifyProtocol([remote('agent', [1, 5, 2, 2, 5, 4])], [{ name: 'me', state: 0, vsn: [1, 5, 2, 0, 0, 0] }]);
    assert.match(err ?? '', /delegate protocol version/);
  });
  it('refuses a protocol version outside what everyone understands; ignores dead nodes for the range', () => {
    assert.match(verifyProtocol([remote('old', [1, 2, 2, 2, 5, 4])], [{ name: 'me', state: 0, vsn: [3, 5, 3, 2, 5, 4] }]) ?? '', /protocol version/);
    assert.equal(verifyProtocol([remote('gone', [4, 5, 4, 2, 5, 4], 2)], [{ name: 'me', state: 0, vsn: serfVsn }]), undefined);
  });
});
