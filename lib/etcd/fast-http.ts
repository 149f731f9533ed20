// The etcd front-end's socket layer: a lean HTTP/1.1 reader for the requests that make up the
// load (plain GET/HEAD/PUT/POST/DELETE on /v2/keys, keep-alive, Content-Length bodies), answered
// with one socket write each; anything else on a connection (watches, other endpoints, chunked
// bodies, Expect, HTTP/1.0, unclean paths, anything odd) hands the connection over to node:http
// from that request on, with the unread bytes put back, so the full HTTP semantics (and its 400s
// for garbage) stay node's. Why: node:http's per-request machinery (IncomingMessage,
// ServerResponse, streams) cost more CPU than the whole etcd operation.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';

const HEAD_END = Buffer.from('\r\n\r\n');
/**
 * Go's http.DefaultMaxHeaderBytes: header blocks up to this are served (as etcd does); longer
 * ones go to node:http, which answers 431.
 */
const MAX_HEAD_BYTES = 1 << 20;
const BIG_BODY_BYTES = 256 << 10;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const BAD_TARGET = /[^\x21-\x7e]|#/;

/** Go takes any token as a method (node:http's parser refuses those it does not know). */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A plain key request as read off the socket. */
export interface FastRequest {
  /** Any token: the handler answers those it does not serve (etcd: 405). */
  method: string;
  /** The raw request target ("/v2/keys/a?x=1"). */
  target: string;
  /** The url-encoded form body (only for POST/PUT with that content type). */
  body: string | undefined;
}

/** A complete response: status line and headers already serialised by the handler. */
export interface FastResponse {
  /** Everything up to the body, the blank line included. */
  head: string;
  body: string;
}

/** Answers a request at once, or returns undefined to leave it (and the connection) to node:http. */
export type FastHandler = (r: FastRequest) => FastResponse | undefined;

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

/** Go's and node's Date header value, cached for the second. */
let dateSec = -1;
let dateText = '';
export function httpDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateSec) {
    dateSec = sec;
    dateText = new Date(sec * 1000).toUTCString();
  }
  return dateText;
}

export class FastHttpServer {
  readonly server: NetServer;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handler: FastHandler,
    /** Where connections go that the fast path will not serve; never listens itself. */
    private readonly fallback: HttpServer,
  ) {
    this.server = createServer({ noDelay: true }, (s) => this.connection(s));
  }

  /** Stops listening and ends every connection, fast or handed over. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      this.fallback.closeAllConnections();
    });
  }

  private connection(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let out = '';
      let start = 0;
      let close = false;
      for (;;) {
        const r = this.readOne(buf, start);
        if (r === 'more') break;
        if (r === 'handover') {
          if (out !== '') s.write(out, 'utf8');
          s.off('data', onData);
          s.pause();
          s.unshift(buf.subarray(start));
          this.fallback.emit('connection', s);
          s.resume();
          return;
        }
        out += r.res.head;
        if (r.headOnly === false) out += r.res.body;
        start = r.next;
        if (r.close) {
          close = true;
          break;
        }
      }
      buf = start >= buf.length ? Buffer.alloc(0) : buf.subarray(start);
      if (out !== '') s.write(out, 'utf8');
      if (close) {
        s.off('data', onData);
        s.end();
      }
    };
    s.on('data', onData);
  }

  /** Reads and answers the request at `start`: 'more' = incomplete, 'handover' = not ours. */
  private readOne(buf: Buffer, start: number): 'more' | 'handover' | { res: FastResponse; next: number; headOnly: boolean; close: boolean } {
    const end = buf.indexOf(HEAD_END, start);
    if (end < 0) return buf.length - start > MAX_HEAD_BYTES ? 'handover' : 'more';
    if (end - start > MAX_HEAD_BYTES) return 'handover';
    const head = buf.toString('latin1', start, end);
    let le = head.indexOf('\r\n');
    if (le < 0) le = head.length;
    const sp1 = head.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : head.indexOf(' ', sp1 + 1);
    if (sp2 < 0 || sp2 > le || head.slice(sp2 + 1, le) !== 'HTTP/1.1') return 'handover';
    const method = head.slice(0, sp1);
    const target = head.slice(sp1 + 1, sp2);
    if (!METHOD.test(method) || !target.startsWith('/v2/keys') || BAD_TARGET.test(target)) return 'handover';
    let length = -1;
    let ctype = '';
    let host = false;
    let close = false;
    for (let i = le + 2; i < head.length; ) {
      let j = head.indexOf('\r\n', i);
      if (j < 0) j = head.length;
      const colon = head.indexOf(':', i);
      if (colon <= i || colon > j) return 'handover';
      const name = head.slice(i, colon).toLowerCase();
      const value = head.slice(colon + 1, j).trim();
      i = j + 2;
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) return 'handover';
      switch (name) {
        case 'content-length':
          if (length >= 0 || !/^\d{1,8}$/.test(value)) return 'handover';
          length = Number(value);
          break;
        case 'content-type':
          ctype = value;
          break;
        case 'host':
          host = true;
          break;
        case 'connection': {
          const v = value.toLowerCase();
          if (v === 'close') close = true;
          else if (v !== 'keep-alive') return 'handover';
          break;
        }
        case 'transfer-encoding':
        case 'expect':
        case 'upgrade':
          return 'handover';
      }
    }
    if (!host) return 'handover';
    const bodyStart = end + 4;
    const next = bodyStart + Math.max(0, length);
    // Go's maxFormSize; bigger bodies get etcd's "POST too large" from the node:http path
    if (length > 10 << 20) return 'handover';
    // a big body still coming: node:http streams it (gathering it here would copy it per chunk)
    if (buf.length < next) return length > BIG_BODY_BYTES ? 'handover' : 'more';
    let body: string | undefined;
    if ((method === 'PUT' || method === 'POST') && ctype.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded')
      body = buf.toString('utf8', bodyStart, next);
    const res = this.handler({ method, target, body });
    if (!res) return 'handover';
    return { res, next, headOnly: method === 'HEAD', close };
  }
}
