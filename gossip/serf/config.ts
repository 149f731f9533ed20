// Serf's tunables with Serf 0.9.4's defaults (serf.DefaultConfig), all durations in ms.
import type { Millis } from '../runtime.js';
import { lanConfig, META_MAX_SIZE, type MemberlistConfig } from '../memberlist/config.js';
import { encodeTags } from './tags.js';
import type { NodeName } from './messages.js';

/** Serf protocol versions we understand (ProtocolVersionMin/Max). */
export const SERF_PROTOCOL_MIN = 2;
export const SERF_PROTOCOL_MAX = 5;
/** Hard limit on a user event's name + payload (Serf's UserEventSizeLimit constant). */
export const USER_EVENT_SIZE_HARD_LIMIT = 9 * 1024;
/** memberlist protocol version for each Serf protocol (Serf's ProtocolVersionMap: always 2). */
export const MEMBERLIST_PROTOCOL_FOR_SERF = 2;

export interface SerfConfig {
  nodeName: NodeName;
  tags: Map<string, string>;
  /** 2..5; the `serf agent` uses 5 (the library default is 4). */
  protocolVersion: number;
  broadcastTimeout: Millis;
  leavePropagateDelay: Millis;
  /** Member event coalescing (both > 0 to enable). */
  coalescePeriod: Millis;
  quiescentPeriod: Millis;
  /** User event coalescing for events sent with coalesce=true (both > 0 to enable). */
  userCoalescePeriod: Millis;
  userQuiescentPeriod: Millis;
  reapInterval: Millis;
  reconnectInterval: Millis;
  reconnectTimeout: Millis;
  tombstoneTimeout: Millis;
  flapTimeout: Millis;
  queueCheckInterval: Millis;
  queueDepthWarning: number;
  maxQueueDepth: number;
  /** If > 0, the queue limit is 2 * members, at least this. */
  minQueueDepth: number;
  recentIntentTimeout: Millis;
  eventBuffer: number;
  queryBuffer: number;
  queryTimeoutMult: number;
  queryResponseSizeLimit: number;
  querySizeLimit: number;
  enableNameConflictResolution: boolean;
  disableCoordinates: boolean;
  userEventSizeLimit: number;
  memberlist: MemberlistConfig;
}

export function defaultSerfConfig(nodeName: NodeName, memberlist: MemberlistConfig = lanConfig(nodeName)): SerfConfig {
  return {
    nodeName,
    tags: new Map(),
    protocolVersion: 5,
    broadcastTimeout: 5_000,
    leavePropagateDelay: 1_000,
    coalescePeriod: 0,
    quiescentPeriod: 0,
    userCoalescePeriod: 0,
    userQuiescentPeriod: 0,
    reapInterval: 15_000,
    reconnectInterval: 30_000,
    reconnectTimeout: 24 * 3600_000,
    tombstoneTimeout: 24 * 3600_000,
    flapTimeout: 60_000,
    queueCheckInterval: 30_000,
    queueDepthWarning: 128,
    maxQueueDepth: 4096,
    minQueueDepth: 0,
    recentIntentTimeout: 5 * 60_000,
    eventBuffer: 512,
    queryBuffer: 512,
    queryTimeoutMult: 16,
    queryResponseSizeLimit: 1024,
    querySizeLimit: 1024,
    enableNameConflictResolution: true,
    disableCoordinates: false,
    userEventSizeLimit: 512,
    memberlist: { ...memberlist, name: nodeName },
  };
}

/** Serf's checks in Create; throws Error with Go's texts. */
export function validateSerfConfig(config: SerfConfig): void {
  if (config.protocolVersion < SERF_PROTOCOL_MIN || config.protocolVersion > SERF_PROTOCOL_MAX) {
    throw new Error(`Protocol version '${config.protocolVersion}' outside [${SERF_PROTOCOL_MIN}, ${SERF_PROTOCOL_MAX}]`);
  }
  if (config.userEventSizeLimit > USER_EVENT_SIZE_HARD_LIMIT) throw new Error(`user event size limit exceeds limit of ${USER_EVENT_SIZE_HARD_LIMIT} bytes`);
  if (encodeTags(config.tags, config.protocolVersion).length > META_MAX_SIZE) {
    throw new Error(`Encoded length of tags exceeds limit of ${META_MAX_SIZE} bytes`);
  }
}

/** The memberlist config Serf runs with: its name, memberlist protocol 2, Serf's versions as the delegate's. */
export function memberlistConfigFor(config: SerfConfig): MemberlistConfig {
  return {
    ...config.memberlist,
    name: config.nodeName,
    protocolVersion: MEMBERLIST_PROTOCOL_FOR_SERF,
    delegateProtocolVersion: config.protocolVersion,
    delegateProtocolMin: SERF_PROTOCOL_MIN,
    delegateProtocolMax: SERF_PROTOCOL_MAX,
  };
}
