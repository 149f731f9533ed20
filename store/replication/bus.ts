// The broadcast channel a Replica talks through (python's `Backend`: `send(*topic, payload)` and
// `monitor(*topic)`), as Serf user events named `<root>.<action>`, coalesce off. Our own events
// must come back to us (Serf delivers them locally; the actor relies on it).
import type { Serf } from '../../gossip/serf/serf.js';

export interface EventBus {
  /** Broadcast one user event. Returns false when the transport refused it (too big, closed). */
  send(name: string, payload: Uint8Array): boolean;
  /** Every user event, ours included. Returns an unsubscribe function. */
  onEvent(handler: (name: string, payload: Uint8Array) => void): () => void;
}

/** A bus on our own Serf layer. */
export function serfBus(serf: Serf): EventBus {
  return {
    send(name, payload) {
      try {
        serf.userEvent(name, payload, false);
        return true;
      } catch (e) {
        serf.log.warn('user event refused', { name, bytes: payload.length, error: String(e) });
        return false;
      }
    },
    onEvent(handler) {
      return serf.onEvent((e) => {
        if (e.type === 'user') handler(e.name, e.payload);
      });
    },
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
