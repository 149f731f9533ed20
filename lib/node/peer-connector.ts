// How this node reaches a peer's client port for the replica's sessions (initial sync, big
// values, check_deleted): TLS or not per peer. A peer of ours says so in its Serf tags (the
// address came from its `dkv-client` tag and it has `dkv-client-tls`); for an address from a
// hostmap (python servers, overrides) we cannot know, so we speak as our own advertised client
// port does (a cluster configured alike). Our TLS connections trust the certificates and client
// CA we serve ourselves and show our first certificate (mutual TLS).
import type { Serf } from '../../gossip/serf/serf.js';
import { CLIENT_ADDR_TAG } from '../../store/replication/bus.js';
import type { SyncConnector } from '../../store/replication/sync.js';
import type { Credentials } from '../auth/client-login.js';
import { tlsClientOptions, type TlsServerFiles } from '../runtime/tls.js';
import { CLIENT_TLS_TAG } from './client-ports.js';
import { tcpSyncConnector } from './sync-connector.js';

export interface PeerConnectorOptions {
  serf: Pick<Serf, 'members'>;
  /** Our advertised client port speaks TLS: the guess for peers whose tags do not say. */
  defaultTls: () => boolean;
  /** The certificates we serve now (they change on SIGHUP). */
  ownTls: () => readonly TlsServerFiles[];
  login?: Credentials;
}

/** Whether the peer's client port at host:port speaks TLS, by its tags, else `dflt`. */
export function peerSpeaksTls(members: ReturnType<Serf['members']>, peer: { name: string; host: string; port: number }, dflt: boolean): boolean {
  const m = members.find((x) => x.name === peer.name);
  // host-port.ts splits the tag at its last ':', so a tag-made address joins back to the tag
  if (!m || m.tags.get(CLIENT_ADDR_TAG) !== `${peer.host}:${peer.port}`) return dflt;
  return m.tags.get(CLIENT_TLS_TAG) === '1';
}

export function peerConnector(o: PeerConnectorOptions): SyncConnector {
  return (peer) => {
    const tls = peerSpeaksTls(o.serf.members(), peer, o.defaultTls());
    const own = o.ownTls();
    const opts = tls ? { tls: own.length ? tlsClientOptions(own) : {} } : {};
    return tcpSyncConnector({ ...opts, ...(o.login ? { login: o.login } : {}) })(peer);
  };
}
