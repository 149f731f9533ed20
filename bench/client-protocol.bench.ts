// Our client against our server on one loopback TCP connection: sequential and pipelined
// set_value / get_value, against a reference measured in the same run: a bare msgpack-over-TCP
// echo (same codec, same framing, batched writes, no store), the ceiling for any server here.
import { createServer } from 'node:net';
import { DistkvClient } from '../lib/client/client.js';
import { connectTcp } from '../lib/client/tcp.js';
import { listenTcp, MemoryLogger, RealClock } from '../lib/runtime/index.js';
import { DistkvServer } from '../lib/server.js';
import { Encoder, MsgStreamDecoder, type ValueObject } from '../store/codec.js';
import { Path } from '../store/path.js';

const N = Number(process.env.BENCH_N ?? 20_000);
const VALUE = 'x'.repeat(64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * The ceiling: a msgpack-over-TCP echo with the same codec and framing and no store, batching as
 * well as a server can (one write per incoming chunk, one write per client turn).
 */
async function echoReference(inFlight: number): Promise<number> {
  const enc = new Encoder();
  const srv = createServer((sock) => {
    sock.setNoDelay(true);
    const dec = new MsgStreamDecoder();
    sock.on('data', (b) => {
      const replies = dec.push(b).map((m) => enc.encode({ changed: true, tock: 1, seq: (m as ValueObject).seq ?? 0 }));
      sock.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const s = await connectTcp({ host: '127.0.0.1', port });
  const dec = new MsgStreamDecoder();
  let got = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((done) => {
    const pump = (): void => {
      const batch: Uint8Array[] = [];
      while (sent < N && sent - got < inFlight) batch.push(enc.encode({ path: Path.of('bench', sent % 1000), value: VALUE, nchain: 0, action: 'set_value', seq: ++sent }));
      if (batch.length) s.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
    };
    s.onData((b) => {
      got += dec.push(b).length;
      if (got >= N) done();
      else pump();
    });
    pump();
  });
  const ms = performance.now() - t0;
  s.destroy();
  srv.close();
  return (N / ms) * 1000;
}

async function ours(client: DistkvClient, inFlight: number, op: 'set' | 'get'): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      const p = Path.of('bench', i % 1000);
      if (op === 'set') await client.set(p, VALUE);
      else await client.get(p);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (N / (performance.now() - t0)) * 1000;
}

export async function main(): Promise<void> {
  // warnings only: a debug-level MemoryLogger keeps a record per request (that was most of the old figure's GC)
  const logger = new MemoryLogger('warn');
  const transport = await listenTcp({ host: '127.0.0.1', port: 0, logger });
  const server = new DistkvServer({ name: 'bench', clock: new RealClock(), logger, clientTransport: transport, init: 'x' });
  await server.start();
  const client = await DistkvClient.connect({ port: transport.localAddr().port });
  const fmt = (x: number): string => `${(x / 1000).toFixed(1)} k ops/s`;
  // warm-up (JIT, the store's 1000 keys), then the best of ROUNDS interleaved runs: the machine is
  // shared, so one slow run says more about the neighbours than about us
  await ours(client, 32, 'set');
  await ours(client, 32, 'get');
  for (const inFlight of [1, 32, 256]) {
    let ref = 0;
    let set = 0;
    let get = 0;
    for (let r = 0; r < ROUNDS; r++) {
      ref = Math.max(ref, await echoReference(inFlight));
      set = Math.max(set, await ours(client, inFlight, 'set'));
      get = Math.max(get, await ours(client, inFlight, 'get'));
    }
    console.log(
      `${inFlight === 1 ? 'sequential' : `pipelined (${inFlight} in flight)`}: bare msgpack echo ${fmt(ref)}; set_value ${fmt(set)} (${(set / ref).toFixed(2)}x); get_value ${fmt(get)} (${(get / ref).toFixed(2)}x)`,
    );
  }
  client.close();
  await server.stop();
}
