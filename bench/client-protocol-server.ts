// The server half of bench/client-protocol.bench.ts, in its own process (as a deployment has
// it): `echo` = the bare msgpack echo (the ceiling), `distkv` = our DistkvServer, `untimed` = the
// same without its per-command latency histograms (their price). Prints the port, serves until
// stdin closes; answers each stdin line with its CPU time so far.
import { createServer } from 'node:net';
import { listenTcp, MemoryLogger, RealClock } from '../lib/runtime/index.js';
import { DistkvServer } from '../lib/server.js';
import { Encoder, MsgStreamDecoder, type ValueObject } from '../store/codec.js';

async function echo(): Promise<{ port: number; stop(): Promise<void> }> {
  const enc = new Encoder();
  const srv = createServer((sock) => {
    sock.setNoDelay(true);
    const dec = new MsgStreamDecoder();
    sock.on('data', (b) => {
      // one write per incoming chunk: batching as well as a server can
      const replies = dec.push(b).map((m) => enc.encode({ changed: true, tock: 1, seq: (m as ValueObject).seq ?? 0 }));
      sock.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies));
    });
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as { port: number }).port, stop: () => new Promise((r) => srv.close(() => r())) };
}

async function distkv(timeRequests: boolean): Promise<{ port: number; stop(): Promise<void> }> {
  // warnings only: a debug-level MemoryLogger keeps a record per request
  const logger = new MemoryLogger('warn');
  const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
  const server = new DistkvServer({ name: 'bench', clock: new RealClock(), logger, clientTransport: transport, init: 'x', timeRequests });
  await server.start();
  return { port: transport.localAddr().port, stop: () => server.stop() };
}

const kind = process.argv[2];
const s = kind === 'echo' ? await echo() : await distkv(kind !== 'untimed');
process.stdout.write(`${s.port}\n`);
// each line on stdin asks for the CPU time used so far (µs, user + system): the bench prices the
// request timers by CPU per request, which a loaded machine disturbs far less than throughput
process.stdin.on('data', (b: Buffer) => {
  for (const _ of b.toString().split('\n').slice(1)) {
    const u = process.cpuUsage();
    process.stdout.write(`${u.user + u.system}\n`);
  }
});
process.stdin.on('end', () => void s.stop().then(() => process.exit(0)));
