// memberlist as a `distkv sim --protocol memberlist` protocol: every node runs the real
// gossip/memberlist engine and joins the first node. Params: profile=lan|wan|local,
// lifeguard=on|off, start=join|converged (converged: every node starts knowing all the others
// that are defined, skipping the join storm). Actions: leave (graceful), meta (new metadata).
import { isProfileName, profileConfig } from '../../gossip/memberlist/config.js';
import { Memberlist } from '../../gossip/memberlist/memberlist.js';
import { ipToBytes, NodeStateType, type MemberNode } from '../../gossip/memberlist/node.js';
import type { ProtocolOptions, SimProtocol } from '../../sim/protocols.js';
import type { Addr } from '../../gossip/runtime.js';
import type { SimNode, SimRuntime, Simulation } from '../../sim/simulation.js';

export class MemberlistSimNode implements SimNode {
  meta = new Uint8Array(0);
  /** Members this node declared dead (not left) while they were in fact up: false positives. */
  deadDeclared: string[] = [];
  readonly ml: Memberlist;

  constructor(rt: SimRuntime, p: ProtocolOptions) {
    const profile = p.params.profile ?? 'lan';
    if (!isProfileName(profile)) throw new Error(`memberlist: unknown profile '${profile}' (lan, wan, local)`);
    const cfg = profileConfig(profile, rt.name);
    if (p.params.lifeguard !== undefined) cfg.lifeguard = !['off', 'false', '0'].includes(p.params.lifeguard);
    this.ml = Memberlist.create(rt, {
      config: cfg,
      delegates: {
        delegate: {
          nodeMeta: () => this.meta,
          notifyMsg: () => {},
          getBroadcasts: () => [],
          localState: () => new Uint8Array(0),
          mergeRemoteState: () => {},
        },
        events: {
          notifyJoin: () => {},
          notifyUpdate: () => {},
          notifyLeave: (n: MemberNode) => {
            if (n.state === NodeStateType.Dead) this.deadDeclared.push(n.name);
          },
        },
      },
    });
    if (p.params.start === 'converged' && rt.life === 0) {
      const vsn = this.ml.buildVsn();
      const peers = rt.peers();
      const names = peerNames(rt, peers);
      this.ml.preload(peers.map((a, i) => ({ name: names[i]!, addr: ipToBytes(a.host)!, port: a.port, meta: null, incarnation: 1, state: NodeStateType.Alive, vsn })));
      return;
    }
    const seed = seedFor(rt);
    if (seed) void this.ml.join([`${seed.host}:${seed.port}`]);
  }

  async stop(): Promise<void> {
    await this.ml.leave(2_000).catch(() => {});
    await this.ml.shutdown();
  }
}

function live(sim: Simulation<MemberlistSimNode>): [string, MemberlistSimNode][] {
  return sim
    .upNames()
    .map((n) => [n, sim.node(n)] as [string, MemberlistSimNode | undefined])
    .filter((x): x is [string, MemberlistSimNode] => x[1] !== undefined);
}

const KNOWN = new Set(['profile', 'lifeguard', 'start']);

export const memberlistProtocol: SimProtocol<MemberlistSimNode> = {
  name: 'memberlist',
  describe: 'SWIM + Lifeguard membership (gossip/memberlist), every node joins the first',
  factory(p) {
    for (const k of Object.keys(p.params)) if (!KNOWN.has(k)) throw new Error(`memberlist: unknown --param ${k} (have: ${[...KNOWN].join(', ')})`);
    return (rt) => new MemberlistSimNode(rt, p);
  },
  actions: {
    async leave(sim, step) {
      for (const n of step.nodes ?? []) await sim.node(n)?.ml.leave(2_000).catch(() => {});
    },
    meta(sim, step) {
      for (const n of step.nodes ?? sim.upNames()) {
        const node = sim.node(n);
        if (!node) continue;
        node.meta = new TextEncoder().encode(String(step.args ?? 'meta'));
        void node.ml.updateNode(2_000).catch(() => {});
      }
    },
  },
  summary(sim) {
    const nodes = live(sim);
    const up = new Set(nodes.map(([n]) => n));
    const views = nodes.map(([, n]) => n.ml.members().filter((m) => m.state === NodeStateType.Alive).map((m) => m.name));
    const exact = views.filter((v) => v.length === up.size && v.every((x) => up.has(x))).length;
    const falseDead = nodes.reduce((a, [, n]) => a + n.deadDeclared.filter((x) => up.has(x)).length, 0);
    const bytes = nodes.reduce((a, [, n]) => a + n.ml.net.stats.bytesSent, 0);
    const secs = sim.now() / 1000;
    return {
      liveNodes: up.size,
      nodesWithExactView: exact,
      converged: exact === up.size,
      falseDeadDeclarations: falseDead,
      udpBytesPerNodePerSec: up.size && secs > 0 ? Math.round(bytes / up.size / secs) : 0,
      decodeErrors: nodes.reduce((a, [, n]) => a + n.ml.net.stats.decodeErrors, 0),
    };
  },
};

/** Names of rt.peers(), in the same order (the simulator hands out addresses only). */
function peerNames(rt: SimRuntime, peers: Addr[]): string[] {
  const byAddr = new Map<string, string>();
  for (let i = 1; i <= peers.length + 1; i++) {
    const n = `n${i}`;
    try {
      const a = rt.addrOf(n);
      byAddr.set(`${a.host}:${a.port}`, n);
    } catch {
      break;
    }
  }
  return peers.map((a) => {
    const n = byAddr.get(`${a.host}:${a.port}`);
    if (!n) throw new Error('memberlist: start=converged needs the default node names n1..nN');
    return n;
  });
}

/** Whom to join: n1 (the scenario's first node by default), else the first other node defined. */
function seedFor(rt: SimRuntime): Addr | undefined {
  let first: Addr | undefined;
  try {
    first = rt.addrOf('n1');
  } catch {
    first = rt.peers()[0];
  }
  return first && (first.host !== rt.addr.host || first.port !== rt.addr.port) ? first : undefined;
}
