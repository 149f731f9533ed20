// The etcd v2 HTTP front-end (node:http): routing as etcd's Go ServeMux does it (unclean paths
// are redirected, unknown ones get Go's 404 text), the keys handler, and the small endpoints
// (/version, /health, /v2/machines, /v2/members, /v2/stats/*). Nothing a client sends may crash
// it: every failure becomes an etcd error or a plain 4xx.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ecode, EtcdError } from './errors.js';
import { type Form, parseQuery, pathUnescape } from './form.js';
import { eventBody, type EtcdEvent } from './history.js';
import { type KeyMethod, type KeyRequest, parseKeyRequest } from './request.js';
import type { EtcdV2Store, V2Result } from './v2store.js';
import { type FastRequest, type FastResponse, FastHttpServer, httpDate, statusLine } from './fast-http.js';

export const ETCD_VERSION = { etcdserver: '3.4.23', etcdcluster: '3.4.0' };
/** Go's http.maxFormSize. */
const MAX_FORM_BYTES = 10 << 20;
const KEYS = '/v2/keys';
const KEY_METHODS: ReadonlySet<string> = new Set<KeyMethod>(['HEAD', 'GET', 'PUT', 'POST', 'DELETE']);

export interface EtcdHttpOptions {
  /** Member name (the DistKV node name). */
  name: string;
  /** 16 hex digits; derived from the name when absent. */
  memberId?: string;
  clusterId?: string;
  /** The other members' client URLs, for /v2/machines and /v2/members (ours is added). */
  peers?: () => { name: string; id: string; clientURLs: string[] }[];
}

const CORS: OutgoingHttpHeaders = {
  'Access-Control-Allow-Headers': 'accept, content-type, authorization',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'Access-Control-Allow-Origin': '*',
};

/** A key response: an event (status 200/201) or an etcd error. */
interface KeyAnswer {
  status: number;
  /** X-Etcd-Index. */
  index: number;
  body: string;
  error: boolean;
}

const flat = (h: OutgoingHttpHeaders) => Object.entries(h).flat().map(String);
const block = (h: string[]) => h.reduce((s, x, i) => (i % 2 ? `${s}${x}\r\n` : `${s}${x}: `), '');

function fnvHex(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** Go ServeMux's cleanPath: path.Clean, keeping a trailing slash. */
function cleanPath(p: string): string {
  if (p === '') return '/';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let np = '/' + out.join('/');
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}

export class EtcdHttpServer {
  /** node:http: every request the fast path leaves to it (it never listens itself). */
  readonly server: Server;
  private readonly fastServer: FastHttpServer;
  private readonly fixedEvent: string[];
  private readonly fixedError: string[];
  private readonly fixedEventBlock: string;
  private readonly fixedErrorBlock: string;
  private readonly notAllowedBlock = block([...flat(CORS), 'Content-Type', 'text/plain; charset=utf-8', 'X-Content-Type-Options', 'nosniff']);
  readonly memberId: string;
  readonly clusterId: string;
  private clientUrl = '';
  private readonly startTime = new Date().toISOString();

  constructor(
    readonly v2: EtcdV2Store,
    readonly opts: EtcdHttpOptions,
  ) {
    this.memberId = opts.memberId ?? fnvHex(`member:${opts.name}`);
    this.clusterId = opts.clusterId ?? fnvHex(`cluster:${v2.prefix.map(String).join('/')}`);
    this.fixedEvent = [...flat(CORS), 'Content-Type', 'application/json', 'X-Etcd-Cluster-Id', this.clusterId];
    this.fixedError = [...flat(CORS), 'X-Etcd-Cluster-Id', this.clusterId, 'Content-Type', 'application/json'];
    this.fixedEventBlock = block(this.fixedEvent);
    this.fixedErrorBlock = block(this.fixedError);
    this.server = createServer({ keepAlive: true, requireHostHeader: false }, (req, res) => this.handle(req, res));
    this.fastServer = new FastHttpServer((r) => this.fast(r), this.server);
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
      else socket.destroy();
    });
  }

  async listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      const net = this.fastServer.server;
      net.once('error', reject);
      net.listen(port, host, () => {
        net.off('error', reject);
        resolve();
      });
    });
    const a = this.fastServer.server.address() as AddressInfo;
    this.clientUrl = `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
    return { host, port: a.port };
  }

  async close(): Promise<void> {
    await this.fastServer.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.route(req, res);
    } catch (e) {
      // last resort: never let a request take the process down
      if (!res.headersSent) this.sendError(res, e instanceof EtcdError ? e : new EtcdError(Ecode.RaftInternal, String((e as Error)?.message ?? e)));
      else res.destroy();
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      // Go's text for it (node's own check is off so that we can answer as etcd does)
      return this.goBadRequest(res, 'Bad Request: missing required Host header');
    }
    const path = pathUnescape(rawPath);
    if (typeof path !== 'string' || !path.startsWith('/')) return this.goBadRequest(res, 'Bad Request');
    const clean = cleanPath(path);
    if (clean !== path) {
      res.writeHead(301, { ...CORS, Location: clean + (q < 0 ? '' : '?' + rawQuery), 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<a href="${clean}">Moved Permanently</a>.\n\n`);
      return;
    }
    const m = req.method ?? 'GET';
    if (path === KEYS || path.startsWith(KEYS + '/')) return this.keys(req, res, m, path.slice(KEYS.length), rawQuery);
    switch (path) {
      case '/version':
        if (!this.allow(res, m, 'GET')) return;
        return this.json(res, 200, JSON.stringify(ETCD_VERSION));
      case '/health':
        if (!this.allow(res, m, 'GET')) return;
        // etcd sets no Content-Type here: Go sniffs text/plain
        res.writeHead(200, { ...CORS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(JSON.stringify({ health: 'true' }));
        return;
      case '/v2/machines':
        if (!this.allow(res, m, 'GET', 'HEAD')) return;
        res.writeHead(200, { ...CORS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(this.members().flatMap((x) => x.clientURLs).join(', '));
        return;
      case '/v2/members':
      case '/v2/members/':
        if (!this.allow(res, m, 'GET', 'POST', 'DELETE', 'PUT')) return;
        if (m !== 'GET') return this.httpError(res, 405, 'Method Not Allowed');
        return this.json(res, 200, JSON.stringify({ members: this.members().map((x) => ({ id: x.id, name: x.name, peerURLs: [], clientURLs: x.clientURLs })) }) + '\n', {
          'X-Etcd-Cluster-Id': this.clusterId,
        });
      case '/v2/members/leader':
        if (!this.allow(res, m, 'GET', 'POST', 'DELETE', 'PUT')) return;
        return this.json(res, 200, JSON.stringify({ id: this.memberId, name: this.opts.name, peerURLs: [], clientURLs: [this.clientUrl] }) + '\n', {
          'X-Etcd-Cluster-Id': this.clusterId,
        });
      case '/v2/stats/store':
        if (!this.allow(res, m, 'GET')) return;
        return this.json(res, 200, JSON.stringify(this.v2.stats.toJSON(this.v2.hub.watcherCount)));
      case '/v2/stats/self':
        if (!this.allow(res, m, 'GET')) return;
        return this.json(
          res,
          200,
          JSON.stringify({
            name: this.opts.name,
            id: this.memberId,
            state: 'StateLeader',
            startTime: this.startTime,
            leaderInfo: { leader: this.memberId, uptime: `${process.uptime()}s`, startTime: this.startTime },
            recvAppendRequestCnt: 0,
            sendAppendRequestCnt: 0,
          }),
        );
      case '/v2/stats/leader':
        if (!this.allow(res, m, 'GET')) return;
        // no-master: every member answers for itself, with no followers to report
        return this.json(res, 200, JSON.stringify({ leader: this.memberId, followers: {} }));
      default:
        return this.plain(res, 404, '404 page not found');
    }
  }

  private members(): { name: string; id: string; clientURLs: string[] }[] {
    return [{ name: this.opts.name, id: this.memberId, clientURLs: [this.clientUrl] }, ...(this.opts.peers?.() ?? [])];
  }

  /** net/http's answer to a request it cannot read: status text as body, connection closed. */
  private goBadRequest(res: ServerResponse, reason: string): void {
    const text = `400 ${reason}`;
    res.writeHead(400, reason, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', 'Content-Length': text.length });
    res.end(text);
  }

  private allow(res: ServerResponse, m: string, ...ms: string[]): boolean {
    if (ms.includes(m)) return true;
    res.setHeader('Allow', ms.join(','));
    this.httpError(res, 405, 'Method Not Allowed');
    return false;
  }

  /** Go's http.Error. */
  private httpError(res: ServerResponse, status: number, text: string): void {
    const body = text + '\n';
    res.writeHead(status, { ...CORS, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private plain(res: ServerResponse, status: number, text: string): void {
    this.httpError(res, status, text);
  }

  private json(res: ServerResponse, status: number, body: string, extra: OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { ...CORS, ...extra, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private sendError(res: ServerResponse, e: EtcdError): void {
    const body = e.body() + '\n';
    res.writeHead(e.status, [...this.fixedError, 'X-Etcd-Index', String(e.index), 'Content-Length', String(Buffer.byteLength(body))]);
    res.end(body);
  }

  // ---- /v2/keys ----

  private keys(req: IncomingMessage, res: ServerResponse, m: string, keyPath: string, rawQuery: string): void {
    if (!this.allow(res, m, ...KEY_METHODS)) {
      req.resume();
      return;
    }
    const method = m as KeyMethod;
    const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const hasForm = (m === 'POST' || m === 'PUT') && ctype === 'application/x-www-form-urlencoded';
    if (!hasForm) {
      req.resume();
      return this.keysWithForm(res, method, keyPath, rawQuery, undefined, undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        done = true;
        this.keysWithForm(res, method, keyPath, rawQuery, undefined, 'http: POST too large');
        req.resume();
        res.on('finish', () => req.destroy());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      this.keysWithForm(res, method, keyPath, rawQuery, Buffer.concat(chunks).toString('utf8'), undefined);
    });
    req.on('error', () => {
      done = true;
      res.destroy();
    });
  }

  private keysWithForm(
    res: ServerResponse,
    method: KeyMethod,
    keyPath: string,
    rawQuery: string,
    body: string | undefined,
    bodyError: string | undefined,
  ): void {
    const a = this.answerKeys(method, keyPath, rawQuery, body, bodyError);
    if (!('status' in a)) return this.watch(res, a);
    const headers = [...this.fixedHeaders(a.error), 'X-Etcd-Index', String(a.index)];
    if (!a.error) headers.push('X-Raft-Index', String(a.index), 'X-Raft-Term', '1');
    headers.push('Content-Length', String(Buffer.byteLength(a.body)));
    res.writeHead(a.status, headers);
    res.end(method === 'HEAD' ? undefined : a.body);
  }

  /** A keys request answered (or, for a watch, parsed): shared by node:http and the fast path. */
  private answerKeys(method: KeyMethod, keyPath: string, rawQuery: string, body: string | undefined, bodyError: string | undefined): KeyAnswer | KeyRequest {
    try {
      const form: Form = new Map();
      let err = bodyError;
      if (body !== undefined) err ??= parseQuery(body, form).error;
      if (rawQuery !== '') err ??= parseQuery(rawQuery, form).error;
      if (err !== undefined) throw new EtcdError(Ecode.InvalidForm, err);
      const rr = parseKeyRequest(method, keyPath, form);
      if (rr.wait) return rr;
      return this.eventAnswer(this.apply(rr), rr);
    } catch (e) {
      const x = e instanceof EtcdError ? e : new EtcdError(Ecode.RaftInternal, String((e as Error)?.message ?? e), 0);
      return { status: x.status, index: x.index, body: x.body() + '\n', error: true };
    }
  }

  /**
   * The fast path's handler (see fast-http.ts): clean /v2/keys paths only (redirects, bad escapes
   * and watches are node:http's), the whole response as one string.
   */
  private fast(r: FastRequest): FastResponse | undefined {
    const t = r.target;
    const q = t.indexOf('?');
    const rawPath = q < 0 ? t : t.slice(0, q);
    if (rawPath.length > KEYS.length && rawPath.charCodeAt(KEYS.length) !== 47 /* / */) return undefined;
    const path = rawPath.includes('%') ? pathUnescape(rawPath) : rawPath;
    if (typeof path !== 'string' || cleanPath(path) !== path) return undefined;
    if (!KEY_METHODS.has(r.method)) {
      // methods node:http does not even parse (Go takes any token): etcd's 405
      const body = 'Method Not Allowed\n';
      return { head: `${statusLine(405)}Allow: ${[...KEY_METHODS].join(',')}\r\n${this.notAllowedBlock}Date: ${httpDate()}\r\nContent-Length: ${body.length}\r\n\r\n`, body };
    }
    const a = this.answerKeys(r.method as KeyMethod, path.slice(KEYS.length), q < 0 ? '' : t.slice(q + 1), r.body, undefined);
    if (!('status' in a)) return undefined;
    const idx = String(a.index);
    const head =
      statusLine(a.status) +
      (a.error ? this.fixedErrorBlock : this.fixedEventBlock) +
      (a.error ? `X-Etcd-Index: ${idx}\r\n` : `X-Etcd-Index: ${idx}\r\nX-Raft-Index: ${idx}\r\nX-Raft-Term: 1\r\n`) +
      `Date: ${httpDate()}\r\nContent-Length: ${Buffer.byteLength(a.body)}\r\n\r\n`;
    return { head, body: a.body };
  }

  private apply(r: KeyRequest): V2Result {
    const s = this.v2;
    switch (r.method) {
      case 'GET':
      case 'HEAD':
        return s.get(r.key, r.recursive, r.sorted);
      case 'POST':
        return s.create(r.key, r.dir, r.value, true, r.ttl);
      case 'DELETE':
        if (r.prevIndex > 0 || r.prevValue !== '') return s.compareAndDelete(r.key, r.prevValue, r.prevIndex);
        return s.delete(r.key, r.dir, r.recursive);
      case 'PUT':
        if (r.prevExist !== undefined) {
          if (r.prevExist) {
            if (r.prevIndex === 0 && r.prevValue === '') return s.update(r.key, r.value, r.ttl, r.refresh);
            return s.compareAndSwap(r.key, r.prevValue, r.prevIndex, r.value, r.ttl, r.refresh);
          }
          return s.create(r.key, r.dir, r.value, false, r.ttl);
        }
        if (r.prevIndex > 0 || r.prevValue !== '') return s.compareAndSwap(r.key, r.prevValue, r.prevIndex, r.value, r.ttl, r.refresh);
        return s.set(r.key, r.dir, r.value, r.ttl, r.refresh);
    }
  }

  /** The fixed headers of a key response (event or error) as Node's flat [name, value, ...] list. */
  private fixedHeaders(error: boolean): string[] {
    return error ? this.fixedError : this.fixedEvent;
  }

  private eventAnswer(r: V2Result, rr: KeyRequest): KeyAnswer {
    const ev = r.event;
    const created = ev.action === 'create' || (ev.action === 'set' && !ev.prevNode);
    let body: string;
    if (rr.noValueOnSuccess && (ev.action === 'set' || ev.action === 'compareAndSwap' || ev.action === 'create' || ev.action === 'update'))
      body = JSON.stringify({ action: ev.action }) + '\n';
    else body = eventBody(ev);
    return { status: created ? 201 : 200, index: r.etcdIndex, body, error: false };
  }

  private watch(res: ServerResponse, rr: KeyRequest): void {
    let started = false;
    const send = (ev: EtcdEvent) => {
      if (res.destroyed) return;
      res.write(eventBody(ev));
      if (!rr.stream) res.end();
    };
    const pending: EtcdEvent[] = [];
    const w = this.v2.watch(rr.key, rr.recursive, rr.stream, rr.waitIndex, (ev) => (started ? send(ev) : pending.push(ev)));
    const idx = String(w.startIndex);
    res.writeHead(200, [...this.fixedEvent, 'X-Etcd-Index', idx, 'X-Raft-Index', idx, 'X-Raft-Term', '1']);
    res.flushHeaders();
    started = true;
    for (const ev of pending) send(ev);
    // res 'close' = finished or the client went away (req 'close' fires as soon as the request is read)
    res.on('close', () => w.remove());
  }
}
