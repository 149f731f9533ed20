// The housekeeper actor (asyncactor 0.22.1 clone): what the replication layer imports.
export { Actor, type ActorOptions, type ActorListener } from './actor.js';
export type { ActorTransport } from './transport.js';
export * from './events.js';
export {
  DEFAULT_CONFIG,
  DISTKV_DELETE_CONFIG,
  DISTKV_PING_CONFIG,
  makeConfig,
  messageNode,
  parseActorMessage,
  verifyConfig,
  versMessage,
  type ActorConfig,
  type ActorMessage,
  type ActorValue,
  type HistMessage,
  type InitMessage,
  type NodeName,
  type PingMessage,
  type VersMessage,
} from './messages.js';
export { compareValues, hasPriority } from './priority.js';
export { History } from './history.js';
