/** `conveyor/agents`: the agent contract, the built-in agents, plug-in loading and the LLM agent. */
export type { Agent, AgentContext, AgentInfo, AgentLoadError } from '../../src-shared/agent';
export { BUILTIN_AGENTS, loadAgents, resolveAgentsDir, unknownAgentMessage } from './registry';
export type { LoadAgentsOptions, LoadedAgents } from './registry';
export { createLlmAgent } from './llm-agent';
export { AgentInputError, LlmAgentError, RateLimitedError } from './errors';
