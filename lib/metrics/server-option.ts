// `distkv server -metrics-addr host:port`: Prometheus /metrics for this node.
import { SubLogger, type Logger } from '../../gossip/runtime.js';
import type { DistkvNode } from '../node.js';
import { parseAddr } from '../runtime/index.js';
import { serveMetrics } from './http.js';
import { NodeMetrics } from './node-metrics.js';

export const DEFAULT_METRICS_PORT = 9106;

/** Starts /metrics when `addrText` is given; returns its stop function (undefined when off). */
export async function startMetricsOption(addrText: string | undefined, node: DistkvNode, logger: Logger): Promise<(() => Promise<void>) | undefined> {
  if (!addrText) return undefined;
  const m = new NodeMetrics(node);
  const s = await serveMetrics(parseAddr(addrText, DEFAULT_METRICS_PORT), () => m.collect());
  new SubLogger(logger, 'metrics').info('serving /metrics', { addr: `${s.addr.host}:${s.addr.port}` });
  return async () => {
    m.close();
    await s.close();
  };
}
