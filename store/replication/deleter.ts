// Deletion GC (reference §1.7, python `DeleteActor` in distkv/actor/deletor.py and
// `Server.del_check` / `_delete_also` / `purge_deleted` / `resync_deleted`): tombstones are purged
// once every member of the delete group (`(None, "actor", "del")` = {nodes: [...]}) has been
// active long enough after the deletion, as seen through the `<root>.del` actor's rotation.
//
// Difference from python, wire unchanged: a ping proves "the whole group is active" when its
// history holds min(group size, splits) names — python demands the full group size, but pings
// carry at most `splits` (4) names, so groups of 5 or more never purged by pings.
//
// Second difference, wire unchanged: our delete actor runs with asyncactor's `force_in` (python's
// `server.delete` leaves it 0). Purging needs the history to hold every member, but asyncactor's
// chain order is only gap/16 apart for 3 members: when a ping takes longer than that to arrive
// (a Serf gossip hop, 5 servers with a 2 s gap), the middle member pings before the tail's ping
// reached it, its own ping pushes the tail out of the history, and without force_in a member off the chain gets
// back on with a chance of 1/(todo·n_hosts) per cycle, so the full history rarely lasted the
// three tags or four pings a purge needs. force_in pushes members back on within a few cycles.
// It is a `vers` field python knows (asyncactor 0.22's ping_delay reads it), and our config goes
// out two versions above python's default (asyncactor: bump by 2 when a value changes, since
// enable() may bump by 1): a Python server adopts the higher-versioned `vers`, force_in included,
// as asyncactor's config supersede intends. Without that, in a mixed cluster a Python member that
// fell off the chain got back on with a chance of 1/(todo·n_hosts) per cycle (about 1/30) and the
// full history rarely formed (test/interop/distkv-py-deletion-gc.test.ts).
//
// Third difference: the delete actor starts only once a group is configured, and announces
// itself (`init` + `vers`) only as a member of it. Python starts it on every server, passive, and
// each sends both at start (vectors/README.md: four events per server): at 1000 servers 2000
// events that change nothing — a passive asyncactor ignores everything but pings, an active one
// ignores `init` from others and answers a lower `vers` with its own, which passive servers ignore
// again. A non-member of an existing group listens silently: it counts the group's pings to purge.
import type { Clock, Logger } from '../../gossip/runtime.js';
import { SubLogger } from '../../gossip/runtime.js';
import { DISTKV_DELETE_CONFIG, type Actor, type ActorConfig, type ActorEvent } from '../actor/index.js';
import type { NodeName } from '../node-ticks.js';
import { RangeSet } from '../range-set.js';
import type { Store } from '../store.js';

/** The delete actor's config: python's `server.delete` plus force_in (see the header). */
export const DELETE_ACTOR_CONFIG: Partial<ActorConfig> = Object.freeze({ ...DISTKV_DELETE_CONFIG, force_in: 1, version: (DISTKV_DELETE_CONFIG.version ?? 0) + 2 });

/** python TAGS: tocks remembered from our own turns. */
export const DELETE_TAGS = 4;
/** python `_delete_also`: deletions are handed to the delete actor every 10 s. */
export const DELETE_BATCH_MS = 10_000;

export interface DeleteGcHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly actor: Actor;
  /** python `resync_deleted(history)`: we may have missed deletions; ask a group member. */
  resyncDeleted(nodes: readonly NodeName[]): void;
}

export class DeleteGc {
  private deleted: { tock: number; nodes: Map<NodeName, RangeSet> }[] = [];
  private tags: number[] = [];
  private maxSeen = 0;
  private nTags = 0;
  private nPings = 0;
  /** Size of the delete group (0 = GC off). */
  nNodes = 0;
  private readonly log: SubLogger;
  /** Counters for tests. */
  readonly stats = { purged: 0, resyncs: 0 };

  constructor(private readonly h: DeleteGcHost) {
    this.log = new SubLogger(h.logger, 'replica');
  }

  /** python `del_check`: the group list changed (undefined = the entry was deleted). */
  groupChanged(value: unknown): void {
    const nodes = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).nodes : undefined;
    const list = Array.isArray(nodes) ? nodes.filter((n): n is string => typeof n === 'string') : [];
    if (value === undefined) return this.setGroup(false, 0);
    this.setGroup(list.includes(this.h.store.name), list.length);
  }

  private setGroup(member: boolean, n: number): void {
    const actor = this.h.actor;
    if (actor.started && member) actor.announce();
    if (member) actor.enable(n);
    else actor.disable();
    // after enable(): a first start sends one vers, with the group's length in it
    if (!actor.started && n > 0) actor.start({ silent: !member });
    this.nTags = this.nPings = 0;
    this.nNodes = n;
    this.log.info('delete group', { member, size: n });
  }

  /** python `_delete_also` → `add_deleted`: the store's queued deletions, stamped with a tock. */
  collect(): void {
    const q = this.h.store.takeDeletedQueue();
    if (this.nNodes === 0 || q.size === 0) return;
    this.deleted.push({ tock: this.h.store.nextTock(), nodes: q });
  }

  get pending(): number {
    return this.deleted.length;
  }

  /** python `purge_to`: deletions recorded before `tock` are gone for good everywhere. */
  purgeTo(tock: number): void {
    while (this.deleted.length && this.deleted[0]!.tock < tock) {
      const d = this.deleted.shift()!;
      this.h.store.purgeDeleted(d.nodes);
      this.stats.purged++;
    }
  }

  onEvent(e: ActorEvent): void {
    if (e.type === 'ping') {
      const val = e.value;
      const msg = e.msg as { history?: readonly string[] };
      if (!Array.isArray(val) || val.length !== 2 || typeof val[0] !== 'number' || typeof val[1] !== 'number') {
        this.nPings = this.nTags = 0;
        return;
      }
      const need = Math.min(this.nNodes, this.h.actor.config.splits);
      if (!msg.history || msg.history.length < need) {
        this.nPings = this.nTags = 0;
        return;
      }
      this.nPings++;
      if (this.nPings > this.nNodes) {
        const mx = this.maxSeen;
        this.maxSeen = Math.max(this.maxSeen, val[1]);
        if (val[0] > mx && mx > 0) {
          // the group purged past the newest tock we saw it at: we may have missed deletions
          this.stats.resyncs++;
          this.h.resyncDeleted(msg.history);
          return;
        }
        this.purgeTo(val[0]);
      }
    } else if (e.type === 'tag') {
      if (this.nNodes > 0 && this.h.actor.historySize === this.nNodes) {
        this.nTags++;
        if (this.nTags > 2) this.purgeTo(this.tags[0]!);
        this.tags.push(this.h.store.nextTock());
        this.tags = this.tags.slice(-DELETE_TAGS);
        this.h.actor.setValue([this.tags[0]!, this.tags[this.tags.length - 1]!]);
      }
    }
  }
}
