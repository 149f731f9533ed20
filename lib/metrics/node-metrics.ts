// What a DistKV node reports on /metrics: memberlist's and Serf's go-metrics names where we have
// the same quantity (memberlist.msg.alive/suspect/dead count those messages received;
// memberlist.udp.sent/received count bytes as Go does; serf.member.<join|left|failed|update|reap>,
// serf.events, serf.events.<name>, serf.queries, serf.queries.<name> count Serf's events as its
// application sees them), plus DistKV's own counters under distkv_*.
import type { DistkvNode } from '../node.js';
import { NOT_GIVEN } from '../../store/entry.js';
import type { Metric } from './exposition.js';

const MEMBER_EVENT_NAME: Record<string, string> = {
  'member-join': 'join',
  'member-leave': 'left',
  'member-failed': 'failed',
  'member-update': 'update',
  'member-reap': 'reap',
};

export class NodeMetrics {
  private readonly counts = new Map<string, number>();
  private readonly userEvents = new Map<string, number>();
  private readonly queries = new Map<string, number>();
  private readonly updates = { local: 0, remote: 0, load: 0 } as Record<string, number>;
  private entries = 0;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly node: DistkvNode) {
    this.offs.push(
      node.serf.onEvent((e) => {
        if (e.type === 'user') {
          this.bump('serf.events');
          this.userEvents.set(e.name, (this.userEvents.get(e.name) ?? 0) + 1);
        } else if (e.type === 'query') {
          this.bump('serf.queries');
          this.queries.set(e.query.name, (this.queries.get(e.query.name) ?? 0) + 1);
        } else {
          const n = MEMBER_EVENT_NAME[e.type];
          if (n) this.bump(`serf.member.${n}`, e.members.length);
        }
      }),
    );
    // registered before the node loads anything, so restored and synced entries count too
    this.offs.push(
      node.server.store.onChange((ev) => {
        this.updates[ev.origin] = (this.updates[ev.origin] ?? 0) + 1;
        const had = ev.old !== NOT_GIVEN;
        const has = ev.value !== NOT_GIVEN;
        if (has && !had) this.entries++;
        else if (had && !has) this.entries--;
      }),
    );
  }

  private bump(k: string, by = 1): void {
    this.counts.set(k, (this.counts.get(k) ?? 0) + by);
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }

  collect(): Metric[] {
    const n = this.node;
    const net = n.serf.memberlist.net.stats;
    const ss = n.serf.stats();
    const c = (k: string) => this.counts.get(k) ?? 0;
    const rs = n.replica?.stats;
    const ps = n.replica?.puller.stats;
    const dd = n.server.dataDir?.stats();
    const counter = (name: string, help: string, value: number): Metric => ({ name, type: 'counter', help, samples: [{ value }] });
    const gauge = (name: string, help: string, value: number): Metric => ({ name, type: 'gauge', help, samples: [{ value }] });
    const byName = (m: Map<string, number>) => [...m].map(([name, value]) => ({ labels: { name }, value }));
    const out: Metric[] = [
      counter('memberlist.msg.alive', 'alive messages received', net.byType.alive ?? 0),
      counter('memberlist.msg.suspect', 'suspect messages received', net.byType.suspect ?? 0),
      counter('memberlist.msg.dead', 'dead messages received', net.byType.dead ?? 0),
      counter('memberlist.udp.sent', 'bytes sent over UDP', net.bytesSent),
      counter('memberlist.udp.received', 'bytes received over UDP', net.bytesReceived),
      counter('memberlist.packets.sent', 'UDP packets sent', net.sent),
      counter('memberlist.packets.received', 'UDP packets received', net.received),
      counter('memberlist.decode_errors', 'packets that did not decode', net.decodeErrors),
      gauge('memberlist.health.score', 'Lifeguard awareness (0 = healthy)', n.serf.memberlist.healthScore()),
      counter('serf.member.join', 'member-join events', c('serf.member.join')),
      counter('serf.member.left', 'member-leave events', c('serf.member.left')),
      counter('serf.member.failed', 'member-failed events', c('serf.member.failed')),
      counter('serf.member.update', 'member-update events', c('serf.member.update')),
      counter('serf.member.reap', 'member-reap events', c('serf.member.reap')),
      counter('serf.events', 'user events delivered', c('serf.events')),
      { name: 'serf.events.by_name', type: 'counter', help: 'user events delivered, by event name (go-metrics serf.events.<name>)', samples: byName(this.userEvents) },
      counter('serf.queries', 'queries delivered', c('serf.queries')),
      { name: 'serf.queries.by_name', type: 'counter', help: 'queries delivered, by name (go-metrics serf.queries.<name>)', samples: byName(this.queries) },
      gauge('serf.members', 'members known (any state)', Number(ss.members)),
      gauge('serf.members.failed', 'members failed', Number(ss.failed)),
      gauge('serf.members.left', 'members left', Number(ss.left)),
      gauge('serf.queue.Intent', 'queued intent broadcasts', Number(ss.intent_queue)),
      gauge('serf.queue.Event', 'queued event broadcasts', Number(ss.event_queue)),
      gauge('serf.queue.Query', 'queued query broadcasts', Number(ss.query_queue)),
      gauge('distkv.entries', 'entries holding a value (meta tree included)', this.entries),
      gauge('distkv.tick', 'our last tick', n.server.store.tick ?? -1),
      {
        name: 'distkv.updates.applied',
        type: 'counter',
        help: 'changes applied to the store, by origin (local = our clients, remote = replication, load = files)',
        samples: Object.entries(this.updates).map(([origin, value]) => ({ labels: { origin }, value })),
      },
      counter('distkv.replica.sent', 'replication messages sent (Serf user events)', rs?.sent ?? 0),
      counter('distkv.replica.received', 'replication messages received', rs?.received ?? 0),
      counter('distkv.replica.applied', 'replicated updates applied', rs?.applied ?? 0),
      counter('distkv.replica.bad', 'replication messages that did not decode', rs?.bad ?? 0),
      // how a server caught up: the pull (difference 19) versus broadcast re-sends in distkv.replica.applied
      counter('distkv.replica.pulled_entries_total', 'entries applied from a get_ticks / get_value pull', ps?.applied ?? 0),
      counter('distkv.replica.pull_sessions_total', 'peer sessions opened to pull missing ticks', ps?.sessions ?? 0),
      counter('distkv.replica.big_fetched_total', 'big values fetched after a notice', rs?.bigFetched ?? 0),
      gauge('distkv.client.connections', 'open client connections', n.server.listener.connectionCount),
      counter('distkv.client.connections_total', 'client connections accepted', n.server.counters.connections),
      counter('distkv.client.commands', 'client requests received', n.server.counters.commands),
    ];
    if (n.server.timers) out.push(n.server.timers.metric());
    if (dd)
      out.push(
        gauge('distkv.datadir.generation', 'current data-dir generation', dd.generation),
        gauge('distkv.datadir.log_bytes', 'bytes in the current change log', dd.logBytes),
        counter('distkv.datadir.rotations', 'log rotations', dd.rotations),
        counter('distkv.datadir.fsyncs', 'change-log fsyncs', dd.syncs),
        counter('distkv.datadir.ack_waits', 'replies that waited for an fsync', dd.waits),
      );
    return out;
  }
}
