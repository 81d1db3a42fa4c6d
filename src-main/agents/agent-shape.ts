import type { Agent } from '../../src-shared/agent';
import { NAME_PATTERN } from '../../src-shared/names';

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);

/**
 * What keeps `value` from being an Agent, one phrase per problem; empty when
 * it is one. Names follow the config's rule for agent names, so every agent
 * can be asked for by name in a job and in config.yml.
 */
export function agentShapeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`expected an object { name, description, run }, got ${show(value)}`];
  }
  const { name, description, run } = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    problems.push(`name must be 1-100 letters, digits, ".", "_" or "-", got ${show(name)}`);
  }
  if (typeof description !== 'string') problems.push(`description must be a string, got ${show(description)}`);
  if (typeof run !== 'function') problems.push(`run must be a function, got ${show(run)}`);
  return problems;
}

export function isAgent(value: unknown): value is Agent {
  return agentShapeProblems(value).length === 0;
}
