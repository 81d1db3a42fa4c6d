import type { AgentsList, ConfigView } from '../../../../src-shared/contract';

export interface ConfigSlice {
  /** config.yml as the server read it, secrets masked. */
  config: ConfigView | null;
  agents: AgentsList | null;
}

export const initialConfig: ConfigSlice = { config: null, agents: null };
