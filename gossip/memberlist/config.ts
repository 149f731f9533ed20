// Memberlist's tunables and its three timing profiles, with the defaults memberlist 0.2.2 ships
// (config.go: DefaultLANConfig / DefaultWANConfig / DefaultLocalConfig). Serf's agent picks one
// of these by `-profile` and only overrides names, addresses, keys and protocol versions, so the
// same profiles serve both our memberlist and our Serf layer.
import type { Millis } from '../runtime.js';

export type ProfileName = 'lan' | 'wan' | 'local';

export interface MemberlistConfig {
  /** Our node name; unique in the cluster. */
  name: string;
  /** Protocol version we speak (memberlist's ProtocolVersion2Compatible = 2 is what Serf uses). */
  protocolVersion: number;
  /** Delegate (Serf) protocol range we advertise in Vsn[3..5]; Serf 0.9.4 uses 2, 5, 4. */
  delegateProtocolMin: number;
  delegateProtocolMax: number;
  delegateProtocolVersion: number;

  tcpTimeout: Millis;
  indirectChecks: number;
  retransmitMult: number;
  suspicionMult: number;
  suspicionMaxTimeoutMult: number;
  pushPullInterval: Millis;
  probeInterval: Millis;
  probeTimeout: Millis;
  disableTcpPings: boolean;
  awarenessMaxMultiplier: number;
  gossipInterval: Millis;
  gossipNodes: number;
  gossipToTheDeadTime: Millis;
  /** Accept only encrypted traffic when a keyring is set (memberlist's GossipVerifyIncoming). */
  gossipVerifyIncoming: boolean;
  /** Encrypt what we send when a keyring is set (GossipVerifyOutgoing). */
  gossipVerifyOutgoing: boolean;
  enableCompression: boolean;
  handoffQueueDepth: number;
  udpBufferSize: number;
  /** 0 = a dead node's name can never be taken by another address. */
  deadNodeReclaimTime: Millis;
  /**
   * Lifeguard switches (all on in memberlist). Off reproduces plain SWIM for the comparison
   * tests: fixed probe interval, no nacks, fixed suspicion timeout without confirmations.
   */
  lifeguard: boolean;
}

/** memberlist.MetaMaxSize: the node metadata (Serf's tags) must fit in this many bytes. */
export const META_MAX_SIZE = 512;
/** Protocol versions we can understand (memberlist ProtocolVersionMin/Max). */
export const PROTOCOL_VERSION_MIN = 1;
export const PROTOCOL_VERSION_MAX = 5;
/** Serf 0.9.4 delegate protocol: what a Serf cluster checks in verifyProtocol. */
export const SERF_DELEGATE_MIN = 2;
export const SERF_DELEGATE_MAX = 5;
export const SERF_DELEGATE_CUR = 4;

export function lanConfig(name: string): MemberlistConfig {
  return {
    name,
    protocolVersion: 2,
    delegateProtocolMin: SERF_DELEGATE_MIN,
    delegateProtocolMax: SERF_DELEGATE_MAX,
    delegateProtocolVersion: SERF_DELEGATE_CUR,
    tcpTimeout: 10_000,
    indirectChecks: 3,
    retransmitMult: 4,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    pushPullInterval: 30_000,
    probeInterval: 1_000,
    probeTimeout: 500,
    disableTcpPings: false,
    awarenessMaxMultiplier: 8,
    gossipInterval: 200,
    gossipNodes: 3,
    gossipToTheDeadTime: 30_000,
    gossipVerifyIncoming: true,
    gossipVerifyOutgoing: true,
    enableCompression: true,
    handoffQueueDepth: 1024,
    udpBufferSize: 1400,
    deadNodeReclaimTime: 0,
    lifeguard: true,
  };
}

export function wanConfig(name: string): MemberlistConfig {
  return {
    ...lanConfig(name),
    tcpTimeout: 30_000,
    suspicionMult: 6,
    pushPullInterval: 60_000,
    probeTimeout: 3_000,
    probeInterval: 5_000,
    gossipNodes: 4,
    gossipInterval: 500,
    gossipToTheDeadTime: 60_000,
  };
}

export function localConfig(name: string): MemberlistConfig {
  return {
    ...lanConfig(name),
    tcpTimeout: 1_000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullInterval: 15_000,
    probeTimeout: 200,
    probeInterval: 1_000,
    gossipInterval: 100,
    gossipToTheDeadTime: 15_000,
  };
}

export function profileConfig(profile: ProfileName, name: string): MemberlistConfig {
  switch (profile) {
    case 'lan':
      return lanConfig(name);
    case 'wan':
      return wanConfig(name);
    case 'local':
      return localConfig(name);
  }
}

export function isProfileName(s: string): s is ProfileName {
  return s === 'lan' || s === 'wan' || s === 'local';
}
