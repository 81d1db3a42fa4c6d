/**
 * An agent backed by any OpenAI-compatible chat-completions API (OpenAI,
 * Ollama, vLLM, llama.cpp, LM Studio, ...): POST {base_url}/chat/completions
 * with `stream: true`, reading server-sent events as they arrive, so progress
 * moves with the answer and an abort closes the connection at once. A server
 * that ignores `stream` and answers with one JSON body works too.
 */
import type { Agent, AgentContext } from '../../src-shared/agent';
import type { LlmAgentConfig } from '../../src-shared/config-schema';
import { redactUrl } from '../../src-shared/names';
import { abortReason } from './abort';
import { retryAfterMs } from '../limits/retry-after';
import { AgentInputError, LlmAgentError, type LlmErrorDetails, RateLimitedError } from './errors';
import { SseDecoder, type SseEvent } from './sse';

export interface ChatMessage {
  role: string;
  content: string;
}

/** A prompt string, `{prompt}`, `{messages}`, or anything else (sent as its JSON). */
export type LlmInput = string | { prompt: string } | { messages: ChatMessage[] } | unknown;

export interface LlmUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export interface LlmOutput {
  output: string;
  /** The model that answered, as the server names it (else the configured one). */
  model: string;
  /** Only when the server reports it (many do not while streaming). */
  usage?: LlmUsage;
}

/** Progress needs a denominator: without max_tokens, assume an answer this long. */
const ASSUMED_ANSWER_TOKENS = 1024;
/** Progress is reported at least this often, in tokens, even once the fraction is capped. */
const PROGRESS_EVERY_TOKENS = 50;
const EXCERPT_CHARS = 300;

export function chatCompletionsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

const MESSAGES_EXPECTED = '{"messages": [{"role": <string>, "content": <string>}, ...]} (at least one)';

/** The chat messages for `input`, with the configured system prompt first unless the input brings its own. */
export function toMessages(agent: string, input: unknown, system?: string): ChatMessage[] {
  let messages: ChatMessage[];
  if (isRecord(input) && 'messages' in input) {
    const list = input.messages;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((m) => isRecord(m) && typeof m.role === 'string' && typeof m.content === 'string')
    ) {
      throw new AgentInputError(agent, MESSAGES_EXPECTED, input);
    }
    messages = (list as ChatMessage[]).map(({ role, content }) => ({ role, content }));
  } else {
    let prompt: string | undefined;
    if (typeof input === 'string') prompt = input;
    else if (isRecord(input) && 'prompt' in input) prompt = typeof input.prompt === 'string' ? input.prompt : undefined;
    else if (input !== undefined) prompt = JSON.stringify(input);
    if (!prompt?.trim())
      throw new AgentInputError(agent, 'a prompt (a non-empty string, {"prompt"}, {"messages"} or any JSON value)', input);
    messages = [{ role: 'user', content: prompt }];
  }
  return system !== undefined && messages[0]?.role !== 'system' ? [{ role: 'system', content: system }, ...messages] : messages;
}

/** The innermost useful reason of a network error (fetch wraps the socket's in `cause`, sometimes in an AggregateError). */
function networkReason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return networkReason(err.errors[0]);
  if (err instanceof Error && err.cause !== undefined) return networkReason(err.cause);
  if (err instanceof Error) return err.message || ((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}

function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
    if (e instanceof AggregateError && e.errors.length > 0) return errnoOf(e.errors[0]);
  }
  return undefined;
}

/** An error's text from a JSON error body (`{error: {message}}`, `{error: "..."}`, `{message}`), else the body itself. */
function errorText(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (isRecord(json)) {
      const e = json.error;
      if (isRecord(e) && typeof e.message === 'string') return excerpt(e.message);
      if (typeof e === 'string') return excerpt(e);
      if (typeof json.message === 'string') return excerpt(json.message);
    }
  } catch {
    /* not JSON: show the text */
  }
  return excerpt(body);
}

function usageOf(value: unknown): LlmUsage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: LlmUsage = {};
  for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    const n = value[key];
    if (typeof n === 'number') usage[key] = n;
  }
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/** One run of the agent: the request, and what has been read of its answer so far. */
class LlmRun {
  private output = '';
  private tokens = 0;
  private model: string;
  private usage: LlmUsage | undefined;
  private finishReason: string | undefined;
  private reportedFraction = 0;
  private readonly details: LlmErrorDetails;
  private readonly timeout: AbortSignal | undefined;
  private readonly signal: AbortSignal;

  constructor(
    private readonly name: string,
    private readonly config: LlmAgentConfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly fetchImpl: typeof fetch,
    private readonly ctx: AgentContext,
  ) {
    this.model = config.model;
    this.details = { agent: name, url: redactUrl(chatCompletionsUrl(config.base_url)) };
    this.timeout = config.timeout_ms === undefined ? undefined : AbortSignal.timeout(config.timeout_ms);
    this.signal = this.timeout ? AbortSignal.any([ctx.signal, this.timeout]) : ctx.signal;
  }

  private get url(): string {
    return this.details.url;
  }

  async run(input: unknown): Promise<LlmOutput> {
    const messages = toMessages(this.name, input, this.config.system);
    const request: RequestInit = {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify(this.body(messages)),
      signal: this.signal,
    };
    let response: Response;
    try {
      response = await this.fetchImpl(chatCompletionsUrl(this.config.base_url), request);
    } catch (err) {
      throw this.failure(err, (reason) => `cannot reach ${this.url}: ${reason}`);
    }
    try {
      if (!response.ok) throw await this.httpError(response);
      if (/\bjson\b/i.test(response.headers.get('content-type') ?? '')) return await this.readJson(response);
      return await this.readStream(response);
    } catch (err) {
      throw this.failure(err, (reason) => `connection to ${this.url} lost after ${this.tokens} tokens of the answer: ${reason}`);
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream, application/json' };
    const keyEnv = this.config.api_key_env;
    if (keyEnv !== undefined) {
      const key = this.env[keyEnv];
      if (!key) throw new LlmAgentError(`environment variable ${keyEnv} (api_key_env) is not set`, this.details, { retryable: false });
      headers.authorization = `Bearer ${key}`;
    }
    return headers;
  }

  private body(messages: ChatMessage[]): Record<string, unknown> {
    const { model, temperature, max_tokens } = this.config;
    return {
      model,
      messages,
      stream: true,
      ...(temperature !== undefined ? { temperature } : {}),
      ...(max_tokens !== undefined ? { max_tokens } : {}),
    };
  }

  /** Any failure as what the caller should see: the job's own abort reason first, then our typed errors. */
  private failure(err: unknown, network: (reason: string) => string): unknown {
    if (this.ctx.signal.aborted) return abortReason(this.ctx.signal);
    if (this.timeout?.aborted) {
      return new LlmAgentError(`no complete answer from ${this.url} within timeout_ms (${this.config.timeout_ms} ms)`, this.details, {
        retryable: true,
        cause: err,
      });
    }
    if (err instanceof LlmAgentError || err instanceof AgentInputError || err instanceof RateLimitedError) return err;
    const reason = networkReason(err);
    const hint = errnoOf(err) === 'ECONNREFUSED' ? ' (is the server running?)' : '';
    return new LlmAgentError(network(reason) + hint, this.details, { retryable: true, cause: err });
  }

  private malformed(what: string): LlmAgentError {
    return new LlmAgentError(`malformed answer from ${this.url}: ${what}`, this.details, { retryable: true });
  }

  private async httpError(response: Response): Promise<LlmAgentError | RateLimitedError> {
    const { status } = response;
    const detail = errorText(await response.text().catch(() => ''));
    let hint = '';
    if (status === 401 || status === 403) {
      const keyEnv = this.config.api_key_env;
      hint = keyEnv === undefined ? ' (no API key was sent; set api_key_env)' : ` (check the key in ${keyEnv})`;
    } else if (status === 404) {
      hint = ' (check base_url and model)';
    }
    const retryable = status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
    const statusLine = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
    // A 429 waits without spending an attempt, and pauses only this job's group (issue #18).
    if (status === 429) {
      return new RateLimitedError(
        `${this.details.agent}: ${statusLine} from ${this.url}${detail ? `: ${detail}` : ''}`,
        retryAfterMs(response.headers),
        { ...this.details, status },
      );
    }
    return new LlmAgentError(
      `${statusLine} from ${this.url}${hint}${detail ? `: ${detail}` : ''}`,
      { ...this.details, status },
      { retryable },
    );
  }

  /** The server ignored `stream: true` and sent the whole answer at once. */
  private async readJson(response: Response): Promise<LlmOutput> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw this.malformed(`expected a JSON body, got ${JSON.stringify(excerpt(text))}`);
    }
    const choice: unknown = isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
    const content = isRecord(choice) && isRecord(choice.message) ? choice.message.content : undefined;
    if (typeof content !== 'string') {
      if (isRecord(body) && body.error !== undefined) throw this.serverError(text);
      throw this.malformed(`expected choices[0].message.content in ${JSON.stringify(excerpt(text))}`);
    }
    this.output = content;
    if (isRecord(body) && typeof body.model === 'string') this.model = body.model;
    this.usage = isRecord(body) ? usageOf(body.usage) : undefined;
    if (isRecord(choice) && typeof choice.finish_reason === 'string') this.finished(choice.finish_reason);
    return this.result();
  }

  private async readStream(response: Response): Promise<LlmOutput> {
    if (!response.body) throw this.malformed('the response has no body');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const sse = new SseDecoder();
    let ended = false;
    let done = false;
    try {
      while (!done && !ended) {
        const chunk = await reader.read();
        ended = chunk.done;
        const events = ended ? [...sse.push(decoder.decode()), ...sse.end()] : sse.push(decoder.decode(chunk.value, { stream: true }));
        for (const event of events) {
          done = this.onEvent(event);
          if (done) break;
        }
      }
    } finally {
      // After [DONE] or an error, stop reading and free the connection.
      if (!ended) void reader.cancel().catch(() => undefined);
    }
    if (!done && this.finishReason === undefined) {
      throw new LlmAgentError(
        `the answer from ${this.url} stopped after ${this.tokens} tokens, before its end (no finish_reason, no "data: [DONE]")`,
        this.details,
        { retryable: true },
      );
    }
    return this.result();
  }

  /** Handles one event; true at `data: [DONE]`. */
  private onEvent(event: SseEvent): boolean {
    if (event.type === 'invalid') {
      throw this.malformed(`expected server-sent events ("data: {...}" lines), got ${JSON.stringify(excerpt(event.line))}`);
    }
    if (event.data.trim() === '[DONE]') return true;
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw this.malformed(`a stream chunk is not JSON: ${JSON.stringify(excerpt(event.data))}`);
    }
    if (!isRecord(chunk)) throw this.malformed(`a stream chunk is not a JSON object: ${JSON.stringify(excerpt(event.data))}`);
    if (event.event === 'error' || chunk.error !== undefined) throw this.serverError(event.data);
    if (typeof chunk.model === 'string' && chunk.model) this.model = chunk.model;
    this.usage = usageOf(chunk.usage) ?? this.usage;
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isRecord(choice)) return false; // e.g. a usage-only chunk
    const content = isRecord(choice.delta) ? choice.delta.content : undefined;
    if (typeof content === 'string' && content !== '') this.onToken(content);
    if (typeof choice.finish_reason === 'string') this.finished(choice.finish_reason);
    return false;
  }

  private serverError(body: string): LlmAgentError {
    return new LlmAgentError(`${this.url} reported an error: ${errorText(body)}`, this.details, { retryable: true });
  }

  private onToken(content: string): void {
    this.output += content;
    this.tokens += 1;
    const fraction = Math.min(0.99, this.tokens / (this.config.max_tokens ?? ASSUMED_ANSWER_TOKENS));
    if (fraction - this.reportedFraction >= 0.01 || this.tokens % PROGRESS_EVERY_TOKENS === 0) {
      this.reportedFraction = fraction;
      this.ctx.progress(fraction, `${this.tokens} tokens`);
    }
  }

  private finished(reason: string): void {
    this.finishReason = reason;
    if (reason === 'length')
      this.ctx.log(`the answer was cut short by the token limit${this.config.max_tokens ? ` (max_tokens ${this.config.max_tokens})` : ''}`);
  }

  private result(): LlmOutput {
    // The tokens spent are the job's cost: a `points` limit debits them (issue #18).
    const spent = this.usage?.total_tokens ?? (this.usage ? (this.usage.prompt_tokens ?? 0) + (this.usage.completion_tokens ?? 0) : 0);
    if (spent > 0) this.ctx.cost?.(spent);
    return this.usage ? { output: this.output, model: this.model, usage: this.usage } : { output: this.output, model: this.model };
  }
}

/**
 * An Agent that asks the LLM configured under `agents.<name>`. The API key is
 * read from `env[config.api_key_env]` at each run and sent as a Bearer token;
 * it never appears in messages. `fetchImpl` is for tests.
 */
export function createLlmAgent(
  name: string,
  config: LlmAgentConfig,
  env: NodeJS.ProcessEnv = process.env,
  fetchImpl: typeof fetch = fetch,
): Agent<unknown, LlmOutput> {
  return {
    name,
    description: config.description ?? `LLM agent: ${config.model} at ${redactUrl(config.base_url)}`,
    run: (input, ctx) => new LlmRun(name, config, env, fetchImpl, ctx).run(input),
  };
}
