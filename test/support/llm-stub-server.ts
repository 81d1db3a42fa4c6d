/**
 * A small, real OpenAI-compatible chat-completions server for tests, on
 * 127.0.0.1 and a free port. It speaks `POST /v1/chat/completions` with
 * server-sent events (or one JSON body), records every request, and can be
 * told how to answer next: a stream (optionally slow), JSON, an HTTP error,
 * or raw bytes. By default it streams back "You said: <last user message>".
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: { model?: string; messages?: Array<{ role: string; content: string }>; stream?: boolean; [key: string]: unknown } | undefined;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type StubReply =
  /** SSE chunks, one per token, `delayMs` apart; `done: false` leaves out `data: [DONE]`, `finishReason: null` the finish reason. */
  | { type: 'stream'; tokens: string[]; delayMs?: number; model?: string; usage?: Usage; finishReason?: string | null; done?: boolean }
  /** A non-streaming answer (as from a server that ignores `stream: true`). */
  | { type: 'json'; content: string; model?: string; usage?: Usage }
  | { type: 'status'; status: number; body: string; contentType?: string }
  /** Exactly these bytes, in chunks `delayMs` apart. */
  | { type: 'raw'; contentType: string; chunks: string[]; delayMs?: number };

type Replier = StubReply | ((request: StubRequest) => StubReply);

const lastUserMessage = (r: StubRequest) => r.body?.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';

/** The default: stream "You said: <message>" word by word. */
export const echoReply = (r: StubRequest): StubReply => ({
  type: 'stream',
  tokens: `You said: ${lastUserMessage(r)}`.split(/(?= )/),
});

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

export class LlmStubServer {
  /** Every request, in arrival order. */
  readonly requests: StubRequest[] = [];
  /** Responses the client hung up on before they ended. */
  disconnects = 0;
  private replier: Replier = echoReply;
  private disconnectWaiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<LlmStubServer> {
    // The request handler needs the stub, which needs the listening server: a box breaks the cycle.
    const box: { stub?: LlmStubServer } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => box.stub?.handle(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    box.stub = new LlmStubServer(server, (server.address() as AddressInfo).port);
    return box.stub;
  }

  /** What to give as `base_url`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** How to answer the requests that follow. */
  reply(replier: Replier): void {
    this.replier = replier;
  }

  /** Resolves at the next client hang-up; call it before causing one. */
  nextDisconnect(): Promise<void> {
    return new Promise((resolve) => this.disconnectWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, text: string, res: ServerResponse): void {
    let body: StubRequest['body'];
    try {
      body = JSON.parse(text) as StubRequest['body'];
    } catch {
      body = undefined;
    }
    const request: StubRequest = { method, path: url, headers, body };
    this.requests.push(request);
    res.on('close', () => {
      if (res.writableFinished) return;
      this.disconnects += 1;
      for (const resolve of this.disconnectWaiters.splice(0)) resolve();
    });
    if (method !== 'POST' || url !== '/v1/chat/completions') {
      this.send(res, { type: 'status', status: 404, body: JSON.stringify({ error: { message: `no route ${method} ${url}` } }) });
      return;
    }
    this.send(res, typeof this.replier === 'function' ? this.replier(request) : this.replier, body?.model);
  }

  private send(res: ServerResponse, reply: StubReply, requestedModel = 'stub-model'): void {
    switch (reply.type) {
      case 'status':
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' }).end(reply.body);
        return;
      case 'json': {
        const model = reply.model ?? requestedModel;
        const answer = {
          id: 'chatcmpl-stub',
          object: 'chat.completion',
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
          ...(reply.usage ? { usage: reply.usage } : {}),
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        return;
      }
      case 'raw':
        res.writeHead(200, { 'content-type': reply.contentType });
        this.drip(res, reply.chunks, reply.delayMs ?? 0);
        return;
      case 'stream': {
        const model = reply.model ?? requestedModel;
        const chunk = (delta: object, finish: string | null) => ({
          id: 'chatcmpl-stub',
          object: 'chat.completion.chunk',
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        });
        const events = [sse(chunk({ role: 'assistant', content: '' }, null)), ...reply.tokens.map((t) => sse(chunk({ content: t }, null)))];
        const finish = reply.finishReason === undefined ? 'stop' : reply.finishReason;
        if (finish !== null) events.push(sse(chunk({}, finish)));
        if (reply.usage) events.push(sse({ id: 'chatcmpl-stub', object: 'chat.completion.chunk', model, choices: [], usage: reply.usage }));
        if (reply.done !== false) events.push(sse('[DONE]'));
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        this.drip(res, events, reply.delayMs ?? 0);
        return;
      }
    }
  }

  /** Writes `chunks` `delayMs` apart, then ends; stops if the client goes away. */
  private drip(res: ServerResponse, chunks: string[], delayMs: number): void {
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i >= chunks.length) {
        res.end();
        return;
      }
      res.write(chunks[i++]);
      if (delayMs > 0) setTimeout(next, delayMs);
      else next();
    };
    next();
  }
}
