// Join/leave intents that arrive before memberlist has told us about the node: kept (one per
// node, the newest LTime wins) so that when the node does show up, its status LTime and a
// pending leave are applied. Entries expire after RecentIntentTimeout.
import type { Millis } from '../runtime.js';
import type { LTime } from './lamport.js';
import type { NodeName } from './messages.js';

export type IntentType = 'join' | 'leave';

interface Intent {
  type: IntentType;
  /** Clock time we saw it, to expire it. */
  seenAt: Millis;
  ltime: LTime;
}

export class RecentIntents {
  private readonly byNode = new Map<NodeName, Intent>();

  /** Records the intent if it is newer than what we hold; true if it was (Go rebroadcasts then). */
  upsert(node: NodeName, type: IntentType, ltime: LTime, now: Millis): boolean {
    const cur = this.byNode.get(node);
    if (cur && ltime <= cur.ltime) return false;
    this.byNode.set(node, { type, seenAt: now, ltime });
    return true;
  }

  /** The buffered LTime of an intent of this type for the node, if that is the one held. */
  get(node: NodeName, type: IntentType): LTime | undefined {
    const cur = this.byNode.get(node);
    return cur && cur.type === type ? cur.ltime : undefined;
  }

  /** Drops intents seen more than `timeout` ago. */
  reap(now: Millis, timeout: Millis): void {
    for (const [node, intent] of this.byNode) if (now - intent.seenAt > timeout) this.byNode.delete(node);
  }

  get size(): number {
    return this.byNode.size;
  }
}
