import type { Agent } from '../../../src-shared/agent';

/** Returns its input unchanged: the smallest agent, for smoke tests and plumbing checks. */
const echo: Agent = {
  name: 'echo',
  description: 'Returns its input unchanged.',
  run: (input) => input,
};

export default echo;
