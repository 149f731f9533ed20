// The /metrics HTTP endpoint (GET /metrics, text format; anything else 404). Off unless an
// address is given, so several servers run side by side without a port clash.
import { createServer, type Server } from 'node:http';
import type { Addr } from '../../gossip/runtime.js';
import { CONTENT_TYPE, renderMetrics, type Metric } from './exposition.js';

export interface MetricsServer {
  addr: Addr;
  close(): Promise<void>;
}

export async function serveMetrics(addr: Addr, collect: () => Metric[]): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    let body: string;
    try {
      body = renderMetrics(collect());
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const bound = typeof a === 'object' && a ? { host: a.address, port: a.port } : addr;
  return {
    addr: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
