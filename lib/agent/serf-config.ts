// From the agent's merged configuration to the Serf library's, as `serf agent`'s setupAgent does:
// the profile's memberlist timings, the agent's coalescing (3 s / 1 s for member and user events)
// and the tunables the config file may override.
import { profileConfig, type ProfileName } from '../../gossip/memberlist/config.js';
import { defaultSerfConfig, type SerfConfig } from '../../gossip/serf/config.js';
import type { AgentConfig } from './config.js';

export function serfConfigFor(cfg: AgentConfig, name: string, profile: ProfileName, tags: Map<string, string>): SerfConfig {
  const c = defaultSerfConfig(name, profileConfig(profile, name));
  c.tags = tags;
  if (cfg.protocol !== undefined) c.protocolVersion = cfg.protocol;
  c.coalescePeriod = 3_000;
  c.quiescentPeriod = 1_000;
  c.userCoalescePeriod = 3_000;
  c.userQuiescentPeriod = 1_000;
  if (cfg.queryResponseSizeLimit) c.queryResponseSizeLimit = cfg.queryResponseSizeLimit;
  if (cfg.querySizeLimit) c.querySizeLimit = cfg.querySizeLimit;
  if (cfg.userEventSizeLimit) c.userEventSizeLimit = cfg.userEventSizeLimit;
  if (cfg.reconnectInterval) c.reconnectInterval = cfg.reconnectInterval;
  if (cfg.reconnectTimeout) c.reconnectTimeout = cfg.reconnectTimeout;
  if (cfg.tombstoneTimeout) c.tombstoneTimeout = cfg.tombstoneTimeout;
  if (cfg.broadcastTimeout) c.broadcastTimeout = cfg.broadcastTimeout;
  c.enableNameConflictResolution = !cfg.disableNameResolution;
  c.disableCoordinates = !!cfg.disableCoordinates;
  return c;
}
