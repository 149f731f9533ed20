// A node's client ports: python's `server.bind` list, one listener per entry, each plain or TLS
// on its own (its `ssl`), served as one StreamTransport by the DistkvServer. Which one peers are
// told about (our Serf tags `dkv-client` = host:port, `dkv-client-tls` when that one speaks
// TLS): the first entry reachable from where our gossip address is — with a non-loopback
// advertise address, the first entry not bound to loopback (a wildcard one named by the
// advertise host); on a loopback-only node, the first entry. SIGHUP: reloadTls() swaps the
// certificates of the TLS entries for new handshakes.
import { SubLogger, type Addr, type Logger, type Millis, type Stream, type StreamTransport } from '../../gossip/runtime.js';
import { listenTcp, type TcpTransport } from '../runtime/tcp.js';
import { isWildcardV6 } from '../runtime/udp.js';
import { listenTls, type TlsServerFiles, type TlsTransport } from '../runtime/tls.js';

/** One client port: where it listens and, when TLS, its PEM certificate, key and client CA. */
export interface ClientEndpoint {
  addr: Addr;
  tls?: TlsServerFiles;
}

/** Our Serf tag saying the client port in `dkv-client` speaks TLS (value "1"). */
export const CLIENT_TLS_TAG = 'dkv-client-tls';

const isWildcard = (h: string): boolean => h === '0.0.0.0' || isWildcardV6(h);
const isLoopback = (h: string): boolean => /^127\./.test(h) || h === '::1' || h === 'localhost';

/** The endpoint peers are told about and the host:port they reach it by (pure; see the header). */
export function advertisedEndpoint(bound: readonly { addr: Addr; tls: boolean }[], advertiseHost: string): { index: number; host: string; port: number; tls: boolean } {
  if (!bound.length) throw new Error('no client port');
  const remote = !isLoopback(advertiseHost);
  let index = remote ? bound.findIndex((b) => !isLoopback(b.addr.host)) : 0;
  if (index < 0) index = 0;
  const b = bound[index]!;
  return { index, host: isWildcard(b.addr.host) ? advertiseHost : b.addr.host, port: b.addr.port, tls: b.tls };
}

/** "host:port", IPv6 hosts in brackets. */
export function hostPortText(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export class ClientPorts implements StreamTransport {
  private readonly log: SubLogger;

  private constructor(
    private readonly endpoints: readonly ClientEndpoint[],
    private readonly transports: readonly (TcpTransport | TlsTransport)[],
    logger: Logger,
  ) {
    this.log = new SubLogger(logger, 'client-ports');
  }

  /** Listens on every endpoint; if one fails, those already open are closed and the error thrown. */
  static async open(endpoints: readonly ClientEndpoint[], logger: Logger): Promise<ClientPorts> {
    if (!endpoints.length) throw new Error('no client port to listen on');
    const open: (TcpTransport | TlsTransport)[] = [];
    try {
      for (const e of endpoints) {
        const at = { host: e.addr.host, port: e.addr.port, logger };
        open.push(e.tls ? await listenTls({ ...at, tls: e.tls }) : await listenTcp(at));
      }
    } catch (e) {
      await Promise.all(open.map((t) => t.close()));
      throw e;
    }
    const ports = new ClientPorts(
      endpoints.map((e) => ({ ...e })),
      open,
      logger,
    );
    const text = (e: ClientEndpoint, t: TcpTransport) =>
      `${hostPortText(e.addr.host, t.localAddr().port)}${e.tls ? (e.tls.ca !== undefined ? ' (TLS, client certificates required)' : ' (TLS)') : ''}`;
    ports.log.info('client ports bound', { ports: endpoints.map((e, i) => text(e, open[i]!)) });
    return ports;
  }

  /** The first entry's address (python's `server.ports[0]`). */
  localAddr(): Addr {
    return this.transports[0]!.localAddr();
  }

  /** Every listener as bound (port 0 resolved), in the config's order. */
  bound(): { addr: Addr; tls: boolean }[] {
    return this.transports.map((t, i) => ({ addr: t.localAddr(), tls: this.endpoints[i]!.tls !== undefined }));
  }

  /** The certificates we serve, for our own connections to peers (tlsClientOptions). */
  tlsFiles(): TlsServerFiles[] {
    return this.endpoints.flatMap((e) => (e.tls ? [e.tls] : []));
  }

  connect(to: Addr, timeoutMs: Millis): Promise<Stream> {
    return this.transports[0]!.connect(to, timeoutMs);
  }

  onStream(handler: (s: Stream) => void): void {
    for (const t of this.transports) t.onStream(handler);
  }

  async close(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
  }

  /**
   * SIGHUP: new certificate/key/CA per endpoint, same order and length as at start: a loader
   * for a TLS one (it reads the files; it may throw), undefined for a plain one. Each TLS listener
   * takes its new set for the handshakes that follow unless loading or checking it fails: then
   * the error is logged and returned, and that listener keeps its old set. A plain endpoint
   * cannot become TLS (or back) without a restart. Open connections are never touched.
   */
  reloadTls(next: readonly ((() => TlsServerFiles) | undefined)[]): string[] {
    const errors: string[] = [];
    this.transports.forEach((t, i) => {
      const was = this.endpoints[i]!;
      const load = next[i];
      const where = hostPortText(was.addr.host, t.localAddr().port);
      if ((load === undefined) !== (was.tls === undefined)) {
        errors.push(`${where}: TLS on or off needs a restart`);
        return;
      }
      if (!load) return;
      try {
        const f = load();
        (t as TlsTransport).setCredentials(f);
        (this.endpoints as ClientEndpoint[])[i] = { ...was, tls: f };
      } catch (e) {
        errors.push(`${where}: ${(e as Error).message}`);
      }
    });
    for (const error of errors) this.log.error('client port TLS not reloaded: it keeps its old certificate', { error });
    if (!errors.length && next.some((l) => l)) this.log.info('client port certificates reloaded (new connections get them)');
    return errors;
  }
}
