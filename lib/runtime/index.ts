// The real runtime: one UDP socket and one TCP listener on the same host:port (as memberlist and
// Serf use one port for both), a real clock, crypto randomness and a stderr logger.
import type { Addr, LogLevel, Logger, NodeRuntime } from '../../gossip/runtime.js';
import { RealClock } from './clock.js';
import { errnoOf } from './errors.js';
import { StreamLogger, type LogFormat } from './logger.js';
import { CryptoRandom } from './random.js';
import { listenTcp, type TcpTransport } from './tcp.js';
import { bindUdp, type UdpTransport } from './udp.js';

export { RealClock } from './clock.js';
export { CryptoRandom } from './random.js';
export { MemoryLogger, StreamLogger, nullLogger, parseLogLevel, type LogFormat } from './logger.js';
export { bindUdp, UdpTransport, MAX_DATAGRAM_V4, MAX_DATAGRAM_V6 } from './udp.js';
export { listenTcp, TcpTransport, NodeStream } from './tcp.js';
export { listenTls, tlsClientOptions, type TlsServerFiles } from './tls.js';
export { toTransportError, describeErrno } from './errors.js';
export { splitHostPort, parseAddr, resolveAddrs } from './addr.js';
export { onShutdownSignals, type SignalHandlers } from './signals.js';
export { writeFileAtomic, readChunks, AppendFile, syncDir } from './files.js';

export interface RealRuntimeOptions {
  /** Where to listen; host defaults to 127.0.0.1, port to 0 (ephemeral, same number for TCP and UDP). */
  bind?: Partial<Addr>;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  /** Overrides logLevel/logFormat (e.g. a MemoryLogger in tests). */
  logger?: Logger;
  /** Ref timers so they alone keep the process alive (see clock.ts); default false. */
  keepAliveTimers?: boolean;
}

export interface RealRuntime extends NodeRuntime {
  readonly clock: RealClock;
  readonly packets: UdpTransport;
  readonly streams: TcpTransport;
  /** The bound address (TCP and UDP share it). */
  readonly addr: Addr;
  /** Cancels pending timers, closes both sockets and every open stream. Idempotent. */
  close(): Promise<void>;
}

/** How many ephemeral ports to try before giving up when UDP collides with TCP's number. */
const EPHEMERAL_ATTEMPTS = 20;

export async function createRealRuntime(opts: RealRuntimeOptions = {}): Promise<RealRuntime> {
  const host = opts.bind?.host ?? '127.0.0.1';
  const port = opts.bind?.port ?? 0;
  const logger = opts.logger ?? new StreamLogger({ level: opts.logLevel ?? 'info', format: opts.logFormat ?? 'text' });
  const { tcp, udp } = await bindPair(host, port, logger);
  const clock = new RealClock({ keepAlive: opts.keepAliveTimers ?? false });
  let closing: Promise<void> | undefined;
  return {
    clock,
    random: new CryptoRandom(),
    logger,
    packets: udp,
    streams: tcp,
    addr: tcp.localAddr(),
    close() {
      closing ??= (async () => {
        clock.cancelAll();
        await Promise.all([udp.close(), tcp.close()]);
      })();
      return closing;
    },
  };
}

/**
 * TCP first (its ephemeral port comes from the kernel), then UDP on the same number; if another
 * process holds that UDP port, release the TCP port and try a fresh one.
 */
export async function bindPair(host: string, port: number, logger: Logger): Promise<{ tcp: TcpTransport; udp: UdpTransport }> {
  for (let attempt = 1; ; attempt++) {
    const tcp = await listenTcp({ host, port, logger });
    try {
      const udp = await bindUdp({ host, port: tcp.localAddr().port, logger });
      return { tcp, udp };
    } catch (e) {
      await tcp.close();
      const inUse = e instanceof Error && errnoOf(e.cause) === 'EADDRINUSE';
      if (port !== 0 || !inUse || attempt >= EPHEMERAL_ATTEMPTS) throw e;
    }
  }
}
