import type { Agent } from '../../../../src-shared/agent';

/**
 * Fixture: spawns `n` `square` children on queue `fb` and suspends; run again
 * with their results, returns their sum. A step stores a random token on the
 * first pass, so a test can tell the step ran once: the token it returns is the stored one.
 */
const fan: Agent = {
  name: 'fan',
  description: 'Fixture: fans out to square children with ctx.children, returns their sum and a step token.',
  async run(input, ctx) {
    const n = (input as { n: number }).n;
    if (!ctx.step || !ctx.children) throw new Error('no flow context');
    const token = await ctx.step('token', () => Math.random());
    const results = await ctx.children(
      'square',
      Array.from({ length: n }, (_, i) => ({ queue: 'fb', agent: 'square', input: i })),
    );
    const sum = results.reduce((s, r) => s + (r.result as number), 0);
    return { sum, token, outcomes: results.map((r) => r.outcome) };
  },
};

export default fan;
