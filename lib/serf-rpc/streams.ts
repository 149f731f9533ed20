// The streaming RPC commands: `stream` (Serf events matching filters), `monitor` (log lines at a
// level), `stop` (ends either), `query` (acks/responses until the deadline, then "done") and
// `respond` (answers a query this client received on its event stream). As in ipc.go, the
// request is answered before the stream is registered, so the reply precedes any record.
import type { SerfEvent } from '../../gossip/serf/events.js';
import type { IncomingQuery, QueryParams, QueryResponse } from '../../gossip/serf/query.js';
import type { RpcConnection } from './connection.js';
import { anyFilterMatches, parseEventFilter, validFilter } from './event-filter.js';
import { isSerfLevel, levelPasses } from './log-tap.js';
import {
  decodeBody,
  logRecord,
  memberEventRecord,
  queryEventRecord,
  queryRecord,
  RpcError,
  userEventRecord,
  type Seq,
} from './protocol.js';

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Remembers a query delivered to this client so it can `respond` until the deadline (Go's RegisterQuery). */
function registerQuery(c: RpcConnection, q: IncomingQuery): number {
  const id = c.nextQueryId();
  const deadline = q.deadline;
  const clock = c.backend.serf.rt.clock;
  if (deadline === null) return id;
  const left = deadline - clock.now();
  if (left < 0) return id;
  const key = String(id);
  c.pendingQueries.set(key, q);
  clock.setTimer(left, () => {
    if (c.pendingQueries.get(key) === q) c.pendingQueries.delete(key);
  });
  return id;
}

function sendEvent(c: RpcConnection, seq: Seq, e: SerfEvent): void {
  if (e.type === 'user') c.sendRecord(seq, userEventRecord(e.ltime, e.name, e.payload, e.coalesce));
  else if (e.type === 'query') c.sendRecord(seq, queryEventRecord(registerQuery(c, e.query), e.query.ltime, e.query.name, e.query.payload));
  else c.sendRecord(seq, memberEventRecord(e.type, e.members));
}

async function stream(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.stream(await c.body());
  const filters = parseEventFilter(req.type);
  if (!filters.every(validFilter)) return c.send(seq, RpcError.invalidFilter);
  const key = String(seq);
  if (c.eventStreams.has(key)) return c.send(seq, RpcError.streamExists);
  c.send(seq, '');
  const off = c.backend.serf.onEvent((e) => {
    if (anyFilterMatches(filters, e)) sendEvent(c, seq, e);
  });
  c.eventStreams.set(key, off);
}

async function monitor(c: RpcConnection, seq: Seq): Promise<void> {
  const level = decodeBody.monitor(await c.body()).logLevel.toUpperCase();
  if (!isSerfLevel(level)) return c.send(seq, `Unknown log level: ${level}`);
  if (c.monitor) return c.send(seq, RpcError.monitorExists);
  c.send(seq, '');
  const off = c.backend.logs?.register((line) => {
    if (levelPasses(level, line)) c.sendRecord(seq, logRecord(line));
  });
  c.monitor = { seq, stop: off ?? (() => {}) };
}

async function stop(c: RpcConnection, seq: Seq): Promise<void> {
  const target = String(decodeBody.stop(await c.body()).stop);
  if (c.monitor && String(c.monitor.seq) === target) {
    c.monitor.stop();
    c.monitor = undefined;
  }
  const off = c.eventStreams.get(target);
  if (off) {
    off();
    c.eventStreams.delete(target);
  }
  c.send(seq, '');
}

async function streamQueryResponses(c: RpcConnection, seq: Seq, resp: QueryResponse): Promise<void> {
  const acks = (async () => {
    if (resp.acks) for await (const from of resp.acks) c.send(seq, '', queryRecord('ack', from, null));
  })();
  const responses = (async () => {
    for await (const r of resp.responses) c.send(seq, '', queryRecord('response', r.from, r.payload));
  })();
  // Both channels close at the query's deadline.
  await Promise.all([acks, responses]);
  c.send(seq, '', queryRecord('done', '', null));
}

async function query(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.query(await c.body());
  const params: QueryParams = {
    requestAck: req.requestAck,
    relayFactor: req.relayFactor,
    ...(req.filterNodes.length ? { filterNodes: req.filterNodes } : {}),
    ...(req.filterTags.size ? { filterTags: req.filterTags } : {}),
    ...(req.timeoutMs > 0 ? { timeout: req.timeoutMs } : {}),
  };
  let resp: QueryResponse;
  try {
    resp = c.backend.serf.query(req.name, req.payload, params);
  } catch (e) {
    return c.send(seq, errText(e));
  }
  c.send(seq, '');
  void streamQueryResponses(c, seq, resp).catch((e) => c.log.error('Failed to stream query responses', { error: errText(e) }));
}

async function respond(c: RpcConnection, seq: Seq): Promise<void> {
  const req = decodeBody.respond(await c.body());
  const q = c.pendingQueries.get(String(req.id));
  if (!q) return c.send(seq, RpcError.invalidQueryID);
  let error = '';
  try {
    q.respond(req.payload);
  } catch (e) {
    error = errText(e);
  }
  c.send(seq, error);
}

export const STREAM_COMMANDS = { stream, monitor, stop, query, respond };
