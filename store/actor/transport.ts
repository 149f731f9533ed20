// What the actor needs from the network: a broadcast channel that also delivers our own messages
// back to us (Serf does; asyncactor relies on it to detect a broken transport and name
// collisions). The replication layer backs it with Serf user events `<root>.ping` / `<root>.del`
// (coalesce false), msgpack-encoding on send and decoding on receipt; the actor never sees bytes.
import type { ActorMessage } from './messages.js';

export interface ActorTransport {
  /** Broadcast to every member of the channel, ourselves included. Fire and forget. */
  send(msg: ActorMessage): void;
  /**
   * One handler for every decoded payload on the channel (a msgpack map as decoded, not yet
   * validated: the actor validates). A later call replaces the handler.
   */
  onMessage(handler: (payload: unknown) => void): void;
}
