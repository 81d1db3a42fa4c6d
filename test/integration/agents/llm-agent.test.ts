import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentContext } from '../../../src-shared/agent';
import type { LlmAgentConfig } from '../../../src-shared/config-schema';
import { ConveyorError } from '../../../src-shared/errors';
import { AgentInputError, LlmAgentError } from '../../../src-main/agents/errors';
import { createLlmAgent, type LlmOutput } from '../../../src-main/agents/llm-agent';
import { LlmStubServer } from '../../support/llm-stub-server';

let stub: LlmStubServer;
beforeAll(async () => {
  stub = await LlmStubServer.start();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
  stub.reply((r) => ({ type: 'stream', tokens: `You said: ${r.body?.messages?.at(-1)?.content ?? ''}`.split(/(?= )/) }));
});

interface Recorded {
  ctx: AgentContext;
  progress: Array<[number, string | undefined]>;
  logs: string[];
  controller: AbortController;
}
function context(): Recorded {
  const controller = new AbortController();
  const progress: Recorded['progress'] = [];
  const logs: string[] = [];
  const ctx: AgentContext = {
    signal: controller.signal,
    progress: (f, m) => progress.push([f, m]),
    log: (l) => logs.push(l),
    jobId: 'job-1',
    attempt: 1,
  };
  return { ctx, progress, logs, controller };
}

const config = (extra: Partial<LlmAgentConfig> = {}): LlmAgentConfig => ({
  kind: 'llm',
  base_url: stub.baseUrl,
  model: 'stub-llama',
  ...extra,
});
const agent = (extra: Partial<LlmAgentConfig> = {}, env: NodeJS.ProcessEnv = {}) => createLlmAgent('writer', config(extra), env);

/** The error a run rejects with; fails the test if it resolves. */
async function failure(run: Promise<unknown> | unknown): Promise<unknown> {
  return Promise.resolve(run).then(
    (value) => expect.unreachable(`expected a rejection, got ${JSON.stringify(value)}`),
    (err: unknown) => err,
  );
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('LLM agent: the request', () => {
  it('POSTs to {base_url}/chat/completions with the model, the prompt as the user message, and stream: true', async () => {
    await agent().run('Hello there', context().ctx);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'stub-llama', stream: true, messages: [{ role: 'user', content: 'Hello there' }] },
    });
  });

  it('tolerates a trailing slash on base_url', async () => {
    await createLlmAgent('w', { ...config(), base_url: `${stub.baseUrl}/` }, {}).run('x', context().ctx);
    expect(stub.requests[0]?.path).toBe('/v1/chat/completions');
  });

  it('puts the configured system prompt first', async () => {
    await agent({ system: 'Answer in French.' }).run('Hello', context().ctx);
    expect(stub.requests[0]?.body?.messages).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('sends temperature and max_tokens only when configured', async () => {
    await agent().run('a', context().ctx);
    await agent({ temperature: 0.2, max_tokens: 64 }).run('b', context().ctx);
    expect(stub.requests[0]?.body).not.toHaveProperty('temperature');
    expect(stub.requests[0]?.body).not.toHaveProperty('max_tokens');
    expect(stub.requests[1]?.body).toMatchObject({ temperature: 0.2, max_tokens: 64 });
  });

  it('takes {prompt} as the user message', async () => {
    await agent().run({ prompt: 'Summarize this.' }, context().ctx);
    expect(stub.requests[0]?.body?.messages).toEqual([{ role: 'user', content: 'Summarize this.' }]);
  });

  it('takes {messages} as the whole conversation', async () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'How are you?' },
    ];
    await agent({ system: 'Be kind.' }).run({ messages }, context().ctx);
    expect(stub.requests[0]?.body?.messages).toEqual([{ role: 'system', content: 'Be kind.' }, ...messages]);
  });

  it('keeps the system message of {messages} instead of adding the configured one', async () => {
    const messages = [
      { role: 'system', content: 'Mine.' },
      { role: 'user', content: 'Hi' },
    ];
    await agent({ system: 'Configured.' }).run({ messages }, context().ctx);
    expect(stub.requests[0]?.body?.messages).toEqual(messages);
  });

  it('sends any other input as its JSON', async () => {
    await agent().run({ city: 'Lyon', days: 3 }, context().ctx);
    expect(stub.requests[0]?.body?.messages).toEqual([{ role: 'user', content: '{"city":"Lyon","days":3}' }]);
  });

  it('sends the API key from the named environment variable as a Bearer token', async () => {
    await agent({ api_key_env: 'STUB_KEY' }, { STUB_KEY: 'sk-test-123' }).run('x', context().ctx);
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer sk-test-123');
  });

  it('sends no Authorization header without api_key_env', async () => {
    await agent({}, { OPENAI_API_KEY: 'sk-unused' }).run('x', context().ctx);
    expect(stub.requests[0]?.headers).not.toHaveProperty('authorization');
  });
});

describe('LLM agent: the answer', () => {
  it('returns the streamed text and the model that answered', async () => {
    stub.reply({ type: 'stream', tokens: ['The', ' sky', ' is', ' blue', '.'], model: 'llama3.2:3b' });
    expect(await agent().run('Color of the sky?', context().ctx)).toEqual<LlmOutput>({ output: 'The sky is blue.', model: 'llama3.2:3b' });
  });

  it('returns usage when the server reports it', async () => {
    const usage = { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 };
    stub.reply({ type: 'stream', tokens: ['Hi', '!'], usage });
    expect(await agent().run('x', context().ctx)).toEqual({ output: 'Hi!', model: 'stub-llama', usage });
  });

  it('reports progress as tokens arrive: tokens / max_tokens, with the count', async () => {
    stub.reply({ type: 'stream', tokens: ['a', 'b', 'c', 'd'] });
    const { ctx, progress } = context();
    await agent({ max_tokens: 10 }).run('x', ctx);
    expect(progress).toEqual([
      [0.1, '1 tokens'],
      [0.2, '2 tokens'],
      [0.3, '3 tokens'],
      [0.4, '4 tokens'],
    ]);
  });

  it('caps progress below 1 when the answer runs past max_tokens', async () => {
    stub.reply({ type: 'stream', tokens: ['a', 'b', 'c', 'd'] });
    const { ctx, progress } = context();
    await agent({ max_tokens: 2 }).run('x', ctx);
    expect(Math.max(...progress.map(([f]) => f))).toBe(0.99);
  });

  it('logs when the answer was cut short by max_tokens', async () => {
    stub.reply({ type: 'stream', tokens: ['a', 'b'], finishReason: 'length' });
    const { ctx, logs } = context();
    await agent({ max_tokens: 2 }).run('x', ctx);
    expect(logs).toEqual(['the answer was cut short by the token limit (max_tokens 2)']);
  });

  it('accepts a stream that ends with a finish reason but no [DONE]', async () => {
    stub.reply({ type: 'stream', tokens: ['ok'], done: false });
    expect((await agent().run('x', context().ctx)).output).toBe('ok');
  });

  it('reads events split across network chunks, with CRLF line ends and keep-alive comments', async () => {
    const event = (content: string) => `data: {"choices":[{"delta":{"content":"${content}"}}]}\r\n\r\n`;
    const bytes = `: keep-alive\r\n\r\n${event('Hel')}${event('lo')}data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const chunks = bytes.match(/[\s\S]{1,7}/g) ?? [];
    stub.reply({ type: 'raw', contentType: 'text/event-stream', chunks, delayMs: 1 });
    expect((await agent().run('x', context().ctx)).output).toBe('Hello');
  });

  it('falls back to a plain JSON answer when the server ignores stream: true', async () => {
    const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
    stub.reply({ type: 'json', content: 'Not streamed.', model: 'json-model', usage });
    expect(await agent().run('x', context().ctx)).toEqual({ output: 'Not streamed.', model: 'json-model', usage });
  });
});

describe('LLM agent: abort', () => {
  it('stops promptly when aborted mid-stream, closing the connection, and rejects with the signal reason', async () => {
    stub.reply({ type: 'stream', tokens: Array.from({ length: 100 }, (_, i) => ` t${i}`), delayMs: 50 });
    const { ctx, progress, controller } = context();
    const hungUp = stub.nextDisconnect();
    const run = agent({ max_tokens: 100 }).run('x', ctx);
    await expect.poll(() => progress.length).toBeGreaterThanOrEqual(3);
    const reason = new Error('job cancelled');
    const abortedAt = performance.now();
    controller.abort(reason);
    expect(await failure(run)).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await hungUp;
    expect(stub.disconnects).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThan(20);
  });

  it('rejects with an AbortError when aborted without a reason', async () => {
    stub.reply({ type: 'stream', tokens: ['a', 'b', 'c'], delayMs: 200 });
    const { ctx, controller } = context();
    const run = agent().run('x', ctx);
    setTimeout(() => controller.abort(), 50);
    expect(await failure(run)).toMatchObject({ name: 'AbortError' });
  });

  it('does not even connect when the signal is already aborted', async () => {
    const { ctx, controller } = context();
    controller.abort(new Error('shutdown'));
    expect(await failure(agent().run('x', ctx))).toEqual(new Error('shutdown'));
    expect(stub.requests).toHaveLength(0);
  });

  it('gives up after timeout_ms with an error saying so', async () => {
    stub.reply({ type: 'stream', tokens: ['a', 'b', 'c', 'd'], delayMs: 200 });
    const err = await failure(agent({ timeout_ms: 100 }).run('x', context().ctx));
    expect(err).toBeInstanceOf(LlmAgentError);
    expect((err as Error).message).toBe(`writer: no complete answer from ${stub.baseUrl}/chat/completions within timeout_ms (100 ms)`);
  });
});

describe('LLM agent: errors', () => {
  it('reports an HTTP error with its status and an excerpt of the body', async () => {
    stub.reply({ type: 'status', status: 500, contentType: 'text/plain', body: 'upstream model crashed\n  (CUDA out of memory)' });
    const err = await failure(agent().run('x', context().ctx));
    expect(err).toBeInstanceOf(LlmAgentError);
    expect((err as LlmAgentError).message).toBe(
      `writer: HTTP 500 Internal Server Error from ${stub.baseUrl}/chat/completions: upstream model crashed (CUDA out of memory)`,
    );
    expect((err as LlmAgentError).code).toBe('INTERNAL');
    expect((err as LlmAgentError).details).toEqual({ agent: 'writer', url: `${stub.baseUrl}/chat/completions`, status: 500 });
  });

  it('shows the message of an OpenAI-style JSON error body', async () => {
    stub.reply({
      type: 'status',
      status: 404,
      body: JSON.stringify({ error: { message: 'model "nope" not found, try pulling it first' } }),
    });
    const err = await failure(agent({ model: 'nope' }).run('x', context().ctx));
    expect((err as Error).message).toBe(
      `writer: HTTP 404 Not Found from ${stub.baseUrl}/chat/completions (check base_url and model): model "nope" not found, try pulling it first`,
    );
  });

  it('cuts a long error body short', async () => {
    stub.reply({ type: 'status', status: 502, contentType: 'text/html', body: `<html>${'x'.repeat(5000)}</html>` });
    const err = await failure(agent().run('x', context().ctx));
    expect((err as Error).message.length).toBeLessThan(500);
  });

  it('marks server errors and rate limits retryable, and other client errors not', async () => {
    const retryable = async (status: number) => {
      stub.reply({ type: 'status', status, body: '{}' });
      return ((await failure(agent().run('x', context().ctx))) as LlmAgentError).retryable;
    };
    expect(await retryable(500)).toBe(true);
    expect(await retryable(503)).toBe(true);
    expect(await retryable(429)).toBe(true);
    expect(await retryable(400)).toBe(false);
    expect(await retryable(404)).toBe(false);
  });

  it('says no key was sent when the server answers 401 and api_key_env is not set', async () => {
    stub.reply({ type: 'status', status: 401, body: JSON.stringify({ error: { message: 'Missing bearer token' } }) });
    const err = await failure(agent().run('x', context().ctx));
    expect((err as Error).message).toContain('HTTP 401 Unauthorized from');
    expect((err as Error).message).toContain('(no API key was sent; set api_key_env): Missing bearer token');
  });

  it('fails clearly, before any request, when api_key_env names an unset variable', async () => {
    const err = await failure(agent({ api_key_env: 'MISSING_KEY' }, {}).run('x', context().ctx));
    expect((err as Error).message).toBe('writer: environment variable MISSING_KEY (api_key_env) is not set');
    expect((err as LlmAgentError).retryable).toBe(false);
    expect(stub.requests).toHaveLength(0);
  });

  it('never puts the API key in an error', async () => {
    stub.reply({ type: 'status', status: 401, body: 'bad key' });
    const err = await failure(agent({ api_key_env: 'K' }, { K: 'sk-secret-999' }).run('x', context().ctx));
    expect(JSON.stringify((err as ConveyorError).toShape())).not.toContain('sk-secret-999');
  });

  it('reports a stream chunk that is not JSON', async () => {
    stub.reply({
      type: 'raw',
      contentType: 'text/event-stream',
      chunks: ['data: {"choices":[{"delta":{"content":"a"}}]}\n\n', 'data: {"choices": [oops\n\n'],
    });
    const err = await failure(agent().run('x', context().ctx));
    expect(err).toBeInstanceOf(LlmAgentError);
    expect((err as Error).message).toBe(
      `writer: malformed answer from ${stub.baseUrl}/chat/completions: a stream chunk is not JSON: "{\\"choices\\": [oops"`,
    );
  });

  it('reports a body that is not server-sent events', async () => {
    stub.reply({ type: 'raw', contentType: 'text/html', chunks: ['<html><body>Proxy login required</body></html>'] });
    const err = await failure(agent().run('x', context().ctx));
    expect((err as Error).message).toBe(
      `writer: malformed answer from ${stub.baseUrl}/chat/completions: expected server-sent events ("data: {...}" lines), got "<html><body>Proxy login required</body></html>"`,
    );
  });

  it('reports a JSON answer without choices[0].message.content', async () => {
    stub.reply({ type: 'raw', contentType: 'application/json', chunks: ['{"object":"list","data":[]}'] });
    const err = await failure(agent().run('x', context().ctx));
    expect((err as Error).message).toContain('malformed answer from');
    expect((err as Error).message).toContain('expected choices[0].message.content in "{\\"object\\":\\"list\\",\\"data\\":[]}"');
  });

  it('reports an error event sent mid-stream', async () => {
    stub.reply({ type: 'raw', contentType: 'text/event-stream', chunks: ['data: {"error":{"message":"context length exceeded"}}\n\n'] });
    const err = await failure(agent().run('x', context().ctx));
    expect((err as Error).message).toBe(`writer: ${stub.baseUrl}/chat/completions reported an error: context length exceeded`);
  });

  it('reports a stream cut off before its end', async () => {
    stub.reply({ type: 'stream', tokens: ['partial', ' answer'], finishReason: null, done: false });
    const err = await failure(agent().run('x', context().ctx));
    expect((err as Error).message).toBe(
      `writer: the answer from ${stub.baseUrl}/chat/completions stopped after 2 tokens, before its end (no finish_reason, no "data: [DONE]")`,
    );
  });

  it('names base_url when nothing listens there', async () => {
    const port = await closedPort();
    const err = await failure(
      createLlmAgent('writer', { ...config(), base_url: `http://127.0.0.1:${port}/v1` }, {}).run('x', context().ctx),
    );
    expect(err).toBeInstanceOf(LlmAgentError);
    expect((err as Error).message).toBe(
      `writer: cannot reach http://127.0.0.1:${port}/v1/chat/completions: connect ECONNREFUSED 127.0.0.1:${port} (is the server running?)`,
    );
    expect((err as LlmAgentError).retryable).toBe(true);
  });

  it('rejects an empty prompt as invalid input, without a request', async () => {
    const err = await failure(agent().run('   ', context().ctx));
    expect(err).toBeInstanceOf(AgentInputError);
    expect((err as AgentInputError).retryable).toBe(false);
    expect(stub.requests).toHaveLength(0);
  });

  it('rejects {messages} that are not role/content pairs', async () => {
    const err = await failure(agent().run({ messages: [{ role: 'user' }] }, context().ctx));
    expect((err as Error).message).toBe(
      'writer: expected input {"messages": [{"role": <string>, "content": <string>}, ...]} (at least one), got {"messages":[{"role":"user"}]}',
    );
  });
});
