// The HTTP service of one worker thread: the connections the main port's sniffing (or --admin_port)
// hands over, served on this thread (no extra thread): GET /metrics (Prometheus), GET / (the status
// page), GET /api/stats (its data), GET /healthz.
// Invariants: requests on a connection are answered one at a time, in order; HTTP/1.1 keeps the
// connection open unless asked not to (HTTP/1.0 only with keep-alive); an unreadable request is
// answered with its status and the connection closed. With requirepass set every path but /healthz
// needs HTTP basic auth with the password (any user name), read live from the config.
// A scrape is one hop to every thread (INFO's gather); the page adds its history gather, in parallel;
// neither counts as a command.

import type { Socket } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HEAD_MAX, HttpRequestReader, type HttpRequest } from '../protocol/http-request.ts';
import type { HttpAcceptor } from '../server/connection.ts';
import type { WorkerThread } from '../server/worker-thread.ts';
import { gatherEverything, gatherHistory, startHistory } from '../families/metrics.ts';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus.ts';
import { slowlogEntries, statsJson } from './status-data.ts';
import { statusPage } from './status-page.ts';

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

const REASONS: Record<number, string> = {
  200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** An idle keep-alive connection is closed after this long. */
const IDLE_MS = 60_000;
/** Unsent response bytes past which a connection's next request waits for the socket to drain. */
const OUTPUT_MAX = 1024 * 1024;
/** Slowlog entries the status page shows. */
const SLOWLOG_SHOWN = 16;

const text = (status: number, body: string): HttpResponse => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });

export class HttpService implements HttpAcceptor {
  readonly worker: WorkerThread;
  private readonly conns = new Set<HttpConnection>();

  constructor(worker: WorkerThread) {
    this.worker = worker;
    startHistory(worker);
  }

  adopt(socket: Socket, head: Buffer): void {
    const c = new HttpConnection(this, socket);
    this.conns.add(c);
    c.onData(head);
  }

  forget(c: HttpConnection): void {
    this.conns.delete(c);
  }

  closeAll(): void {
    for (const c of [...this.conns]) c.closeAfterResponse();
  }

  /** The response to one request. */
  async respond(req: HttpRequest): Promise<HttpResponse> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { ...text(405, 'Method Not Allowed\n'), headers: { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' } };
    if (req.path === '/healthz') return text(200, 'OK\n');
    if (!this.authorized(req)) {
      return { status: 401, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Basic realm="damselfly", charset="UTF-8"' }, body: 'Unauthorized\n' };
    }
    const worker = this.worker;
    switch (req.path) {
      case '/metrics': {
        const body = prometheusText(await gatherEverything(worker), { maxclients: worker.config.maxclients as number, slowlogMaxLen: worker.timing.slowlogMaxLen });
        return { status: 200, headers: { 'Content-Type': PROMETHEUS_CONTENT_TYPE }, body };
      }
      case '/':
      case '/api/stats': {
        const since = Number(req.query.get('since') ?? '0');
        const [info, history, slowlog] = await Promise.all([gatherEverything(worker), gatherHistory(worker, Number.isFinite(since) ? since : 0), slowlogEntries(worker, SLOWLOG_SHOWN)]);
        const data = statsJson(info, history, slowlog);
        if (req.path === '/api/stats') return { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: JSON.stringify(data) };
        return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body: statusPage(data) };
      }
      default:
        return text(404, 'Not Found\n');
    }
  }

  /** No requirepass, or basic auth whose password is it (the user name is not looked at). */
  private authorized(req: HttpRequest): boolean {
    const pass = String(this.worker.config.requirepass);
    if (pass === '') return true;
    const auth = req.headers.get('authorization') ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
    if (m === null) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Equal-length digests: the comparison takes the same time whatever the password sent.
    const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(decoded.slice(colon + 1)), digest(pass));
  }
}

/** One HTTP connection: reads requests, answers them in order. */
class HttpConnection {
  private readonly service: HttpService;
  private readonly socket: Socket;
  private readonly reader = new HttpRequestReader();
  private busy = false;
  private closing = false;
  /** Reading stopped: requests pipelined past HEAD_MAX wait their turn (a client cannot make us buffer more). */
  private paused = false;
  private awaitingDrain = false;

  constructor(service: HttpService, socket: Socket) {
    this.service = service;
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.gone());
    socket.on('close', () => this.gone());
    socket.on('end', () => this.closeAfterResponse());
    socket.setTimeout(IDLE_MS, () => socket.destroy());
  }

  onData(chunk: Buffer): void {
    if (this.closing) return;
    this.reader.feed(chunk);
    if (this.reader.buffered > HEAD_MAX && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.pump();
  }

  /**
   * Answers the next complete request unless one is being answered, or the client has not read
   * OUTPUT_MAX of earlier responses yet (then it waits for the socket to drain). Reading resumes once
   * the requests waiting fit in HEAD_MAX again.
   */
  private pump(): void {
    if (this.busy || this.closing || this.awaitingDrain) return;
    if (this.socket.writableLength > OUTPUT_MAX) {
      this.awaitingDrain = true;
      this.socket.once('drain', () => {
        this.awaitingDrain = false;
        this.pump();
      });
      return;
    }
    const req = this.reader.next();
    if (this.paused && this.reader.buffered <= HEAD_MAX) {
      this.paused = false;
      this.socket.resume();
    }
    if (req === null) {
      const err = this.reader.error;
      if (err !== null) this.send(text(err.status, err.reason + '\n'), false, false);
      return;
    }
    this.busy = true;
    this.service.respond(req).then(
      (res) => this.finish(res, req),
      (e: unknown) => {
        this.service.worker.fault(e, 'an HTTP request');
        this.finish(text(500, 'Internal Server Error\n'), req);
      },
    );
  }

  private finish(res: HttpResponse, req: HttpRequest): void {
    this.busy = false;
    this.send(res, req.keepAlive && !this.closing, req.method === 'HEAD');
    this.pump();
  }

  private send(res: HttpResponse, keepAlive: boolean, headOnly: boolean): void {
    if (this.socket.destroyed) return;
    const body = typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : res.body;
    let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? 'Unknown'}\r\n`;
    for (const [k, v] of Object.entries(res.headers ?? {})) head += `${k}: ${v}\r\n`;
    head += `Content-Length: ${body.length}\r\nConnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;
    const out = headOnly ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
    if (keepAlive) this.socket.write(out);
    else {
      this.closing = true;
      this.endSocket(out);
    }
  }

  /** Ends the connection once the response in progress (if any) is out. */
  closeAfterResponse(): void {
    if (this.closing) return;
    this.closing = true;
    if (!this.busy) this.endSocket(null);
  }

  /** Writes the last bytes, then drops the connection (a peer that keeps its side open cannot hold it). */
  private endSocket(last: Buffer | null): void {
    const socket = this.socket;
    const drop = (): void => {
      socket.destroy();
    };
    if (last === null) socket.end(drop);
    else socket.end(last, drop);
  }

  private gone(): void {
    this.closing = true;
    this.service.forget(this);
  }
}
