// The server's default configuration: DistKV 0.57.4's (`distkv/default.py`) where it applies to
// a server, with our safe loopback host instead of python's "localhost" name, plus our keys:
// `serf.*` for our own gossip agent (Serf agent's config-file names) and `server.*` extras.
import type { ConfigTree } from './layers.js';

export const DEFAULT_CLIENT_PORT = 27586;
export const DEFAULT_GOSSIP_PORT = 7946;

export function defaultConfig(): ConfigTree {
  return {
    server: {
      buffer: 10,
      root: [':distkv'],
      paranoia: false,
      // python: one client port per `bind` entry, each over `bind_default`
      bind: [{}],
      bind_default: { host: '127.0.0.1', port: DEFAULT_CLIENT_PORT, ssl: false },
      ping: { cycle: 10, gap: 2 },
      // ours
      data_dir: null,
      fsync: 'ack',
      rotate_bytes: 64 << 20,
      keep_generations: 2,
      metrics_addr: null,
      etcd_addr: null,
    },
    paranoia: false,
    hostmap: {},
    serf: {
      // bind: absent = 127.0.0.1:7946, falling back to an ephemeral port when taken
      start_join: [],
      tags: {},
      profile: 'lan',
      rpc_addr: null,
    },
    // logging.level (debug|info|warn|error; python's logging.root.level also read), logging.format (text|json)
    logging: {},
  };
}
