import type { Agent } from '../../../../src-shared/agent';

/** Fixture: returns its input squared. */
const square: Agent = {
  name: 'square',
  description: 'Fixture: returns input * input.',
  run: (input) => (input as number) * (input as number),
};

export default square;
