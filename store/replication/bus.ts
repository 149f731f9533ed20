// The broadcast channel a Replica talks through (python's `Backend`: `send(*topic, payload)` and
// `monitor(*topic)`), as Serf user events named `<root>.<action>`, coalesce off. Our own events
// must come back to us (Serf delivers them locally; the actor relies on it).
import { MemberStatus } from '../../gossip/serf/messages.js';
import type { Serf } from '../../gossip/serf/serf.js';

export interface EventBus {
  /** Broadcast one user event. Returns false when the transport refused it (too big, closed). */
  send(name: string, payload: Uint8Array): boolean;
  /** Every user event, ours included. Returns an unsubscribe function. */
  onEvent(handler: (name: string, payload: Uint8Array) => void): () => void;
  /**
   * Members joined (or joined again after being failed: a healed partition). Optional: the
   * replica then re-announces the ticks it knows (tick-announcer.ts) instead of waiting for the
   * periodic refresh.
   */
  onMembersJoined?(handler: () => void): () => void;
}

/**
 * A bus on our own Serf layer. Serf hands our own events to its listeners inside `userEvent`;
 * the actor must not see its own message while it is still sending it (asyncactor never does:
 * its transport is asynchronous — re-entering it makes it ping in a loop), so events that arrive
 * during a send are delivered on the next clock turn, after everything queued before them.
 */
export function serfBus(serf: Serf): EventBus {
  const handlers: ((name: string, payload: Uint8Array) => void)[] = [];
  const joinHandlers: (() => void)[] = [];
  let sending = 0;
  let flushing = false;
  const queue: [string, Uint8Array][] = [];
  const deliver = (name: string, payload: Uint8Array): void => {
    for (const h of [...handlers]) h(name, payload);
  };
  const flush = (): void => {
    flushing = false;
    while (queue.length && !sending) {
      const [n, p] = queue.shift()!;
      deliver(n, p);
    }
    if (queue.length) schedule();
  };
  const schedule = (): void => {
    if (flushing) return;
    flushing = true;
    serf.rt.clock.setTimer(0, flush);
  };
  serf.onEvent((e) => {
    if (e.type === 'member-join') for (const h of [...joinHandlers]) h();
    if (e.type !== 'user') return;
    if (sending || queue.length) {
      queue.push([e.name, e.payload]);
      schedule();
    } else deliver(e.name, e.payload);
  });
  return {
    send(name, payload) {
      sending++;
      try {
        serf.userEvent(name, payload, false);
        return true;
      } catch (e) {
        serf.log.warn('user event refused', { name, bytes: payload.length, error: String(e) });
        return false;
      } finally {
        sending--;
      }
    },
    onEvent(handler) {
      return subscribe(handlers, handler);
    },
    onMembersJoined(handler) {
      return subscribe(joinHandlers, handler);
    },
  };
}

function subscribe<F>(list: F[], h: F): () => void {
  list.push(h);
  return () => {
    const i = list.indexOf(h);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * A peer's advertised client address from its Serf tags (our servers set `dkv-client` =
 * "host:port"; python servers set nothing, so the hostmap must name them).
 */
export const CLIENT_ADDR_TAG = 'dkv-client';

export function serfTagLookup(serf: Serf): (name: string) => string | undefined {
  return (name) => serf.members().find((m) => m.name === name)?.tags.get(CLIENT_ADDR_TAG);
}

/** Every alive member advertises our tag: no Python server (nor plain agent) in the cluster. */
export function serfAllOurs(serf: Serf): () => boolean {
  return () => serf.everyMember((m) => m.status !== MemberStatus.Alive || m.tags.has(CLIENT_ADDR_TAG));
}

/**
 * The members as pull peers (replication/pull.ts), those that left excluded: `ours` = it
 * advertises our tag, so it answers `get_ticks` (a Python server or plain agent gets `get_value`
 * per tick); `alive` as Serf sees it — right after a heal the other side still counts as failed
 * while its ticks already arrive, and those are the servers to pull from. `allOurs`: the
 * simulator, whose servers are all ours and set no tags.
 */
export function serfPeers(serf: Serf, o: { allOurs?: boolean } = {}): () => { name: string; ours: boolean; alive: boolean }[] {
  return () =>
    serf
      .members()
      .flatMap((m) =>
        m.name !== serf.name && m.status !== MemberStatus.Left && m.status !== MemberStatus.None
          ? [{ name: m.name, ours: o.allOurs === true || m.tags.has(CLIENT_ADDR_TAG), alive: m.status === MemberStatus.Alive }]
          : [],
      );
}
