import { describe, expect, it } from 'vitest';
import type { AgentContext } from '../../../src-shared/agent';
import { RateLimitedError } from '../../../src-main/agents/errors';
import { createLlmAgent } from '../../../src-main/agents/llm-agent';

/** The LLM agent against a fetch that answers as a provider does (issue #18): 429s and token usage. */

function ctx(costs: number[] = []): AgentContext {
  return { signal: new AbortController().signal, progress() {}, log() {}, jobId: 'j', attempt: 1, cost: (n) => void costs.push(n) };
}

const answer = (status: number, body: string, headers: Record<string, string> = {}): typeof fetch =>
  (async () => new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } })) as typeof fetch;

const agent = (fetchImpl: typeof fetch) =>
  createLlmAgent('writer', { kind: 'llm', base_url: 'http://llm.invalid/v1', model: 'm' }, {}, fetchImpl);

describe('the LLM agent and rate limits', () => {
  it('maps HTTP 429 with Retry-After (seconds) to RateLimitedError', async () => {
    const err = await Promise.resolve(agent(answer(429, '{"error":"slow down"}', { 'retry-after': '2' })).run('x', ctx())).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(2000);
  });

  it('without Retry-After, waits as long as the longest x-ratelimit-reset header says', async () => {
    const err = await Promise.resolve(
      agent(answer(429, '', { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' })).run('x', ctx()),
    ).catch((e: unknown) => e);
    expect((err as RateLimitedError).retryAfterMs).toBe(360_000);
  });

  it('reports the tokens an answer used as its cost', async () => {
    const costs: number[] = [];
    const body = JSON.stringify({
      choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
    });
    await agent(answer(200, body)).run('x', ctx(costs));
    expect(costs).toEqual([42]);
  });
});
