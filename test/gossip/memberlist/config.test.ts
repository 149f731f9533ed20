import { strict as assert } from 'node:assert';
import { lanConfig, localConfig, profileConfig, wanConfig } from '../../../gossip/memberlist/config.js';
import { pushPullScale } from '../../../gossip/memberlist/tcp-exchange.js';

describe('memberlist config profiles', () => {
  it('LAN has memberlist DefaultLANConfig values', () => {
    const c = lanConfig('n');
    assert.deepEqual(
      [c.tcpTimeout, c.indirectChecks, c.retransmitMult, c.suspicionMult, c.suspicionMaxTimeoutMult, c.pushPullInterval, c.probeTimeout, c.probeInterval],
      [10_000, 3, 4, 4, 6, 30_000, 500, 1_000],
    );
    assert.deepEqual([c.gossipNodes, c.gossipInterval, c.gossipToTheDeadTime, c.awarenessMaxMultiplier, c.udpBufferSize, c.handoffQueueDepth], [3, 200, 30_000, 8, 1400, 1024]);
    assert.deepEqual([c.protocolVersion, c.delegateProtocolMin, c.delegateProtocolMax, c.delegateProtocolVersion], [2, 2, 5, 4]);
  });
  it('WAN and Local differ from LAN as memberlist says', () => {
    const w = wanConfig('n');
    assert.deepEqual([w.tcpTimeout, w.suspicionMult, w.pushPullInterval, w.probeTimeout, w.probeInterval, w.gossipNodes, w.gossipInterval, w.gossipToTheDeadTime], [30_000, 6, 60_000, 3_000, 5_000, 4, 500, 60_000]);
    const l = localConfig('n');
    assert.deepEqual([l.tcpTimeout, l.indirectChecks, l.retransmitMult, l.suspicionMult, l.pushPullInterval, l.probeTimeout, l.probeInterval, l.gossipInterval, l.gossipToTheDeadTime], [1_000, 1, 2, 3, 15_000, 200, 1_000, 100, 15_000]);
    assert.deepEqual(profileConfig('wan', 'x'), wanConfig('x'));
  });
  it('push-pull interval scales above 32 nodes', () => {
    assert.equal(pushPullScale(30_000, 1), 30_000);
    assert.equal(pushPullScale(30_000, 32), 30_000);
    assert.equal(pushPullScale(30_000, 33), 60_000);
    assert.equal(pushPullScale(30_000, 64), 60_000);
    assert.equal(pushPullScale(30_000, 65), 90_000);
    assert.equal(pushPullScale(30_000, 1000), 180_000);
  });
});
