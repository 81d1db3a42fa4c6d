/**
 * Finds every agent a worker thread can run: the built-ins, the modules in
 * `workers.agents_dir`, and the LLM agents of config.yml, in that order. A
 * module that fails to load is reported with its path and skipped; it never
 * stops the others. Runs inside worker threads: no Electron, and no state but
 * what it returns.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Agent, AgentInfo, AgentLoadError } from '../../src-shared/agent';
import type { AgentsConfig } from '../../src-shared/config-schema';
import { redactUrl } from '../../src-shared/names';
import { agentShapeProblems, isAgent } from './agent-shape';
import echo from './builtin/echo';
import hash from './builtin/hash';
import sleep from './builtin/sleep';
import summarizer from './builtin/summarizer';
import { createLlmAgent } from './llm-agent';

export const BUILTIN_AGENTS: readonly Agent[] = [echo, sleep, hash, summarizer];

/** Files in agents_dir that are loaded; `.ts` and friends only load under a TypeScript loader (tsx, vitest). */
export const AGENT_MODULE_EXTENSIONS: readonly string[] = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

export interface LoadAgentsOptions {
  /** Absolute, or relative to the current directory; see `resolveAgentsDir`. */
  agentsDir?: string;
  /** config.yml's `agents:` section. */
  llm?: AgentsConfig;
  /** Where LLM agents read their API keys; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** For LLM agents; default the global fetch. */
  fetch?: typeof fetch;
}

export interface LoadedAgents {
  agents: Map<string, Agent>;
  /** One per loaded agent, in load order. */
  infos: AgentInfo[];
  errors: AgentLoadError[];
}

/** `workers.agents_dir` is relative to the config file's folder. */
export function resolveAgentsDir(agentsDir: string, configFile: string): string {
  return path.resolve(path.dirname(configFile), agentsDir);
}

/** `unknown agent "x"; known: a, b, c` (sorted). */
export function unknownAgentMessage(name: string, known: Iterable<string>): string {
  const names = [...known].sort();
  return `unknown agent ${JSON.stringify(name)}; ${names.length > 0 ? `known: ${names.join(', ')}` : 'no agents are loaded'}`;
}

const isModuleFile = (file: string) =>
  !file.startsWith('.') && !/\.d\.[cm]?ts$/.test(file) && AGENT_MODULE_EXTENSIONS.includes(path.extname(file));

/** Why a module failed to import, in one line; syntax errors keep their line number when the loader gives one. */
export function importErrorMessage(err: unknown, file: string): string {
  if (!(err instanceof Error)) return `threw on import: ${String(err)}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return `cannot load ${path.extname(file)} without a TypeScript loader: compile it to .js, or run under tsx`;
  }
  const lines = err.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (err instanceof SyntaxError) {
    // Node puts a CommonJS module's location on the stack's first line: "/x/a.cjs:3".
    const line = new RegExp(`${escapeRegExp(path.basename(file))}:(\\d+)$`).exec(err.stack?.split('\n')[0] ?? '')?.[1];
    return `syntax error${line ? ` at line ${line}` : ''}: ${lines[0] ?? err.name}`;
  }
  if (lines[0]?.startsWith('Parse failure')) {
    // Vite (under vitest): "Parse failure: ...\nUnexpected token\n6:   return input +;\n   ^"
    const line = /^(\d+): .*\n\s*\^/m.exec(err.message)?.[1];
    return `syntax error${line ? ` at line ${line}` : ''}: ${lines[1] ?? lines[0]}`;
  }
  return `threw on import: ${lines.join(' ')}`;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The agent a module exports: `default`, or `default.default` for CommonJS
 * compiled from ESM (`exports.default = agent`, which `import()` wraps once more).
 */
function exportedAgent(mod: unknown): { agent: Agent } | { problem: string } {
  if (typeof mod !== 'object' || mod === null || !('default' in mod) || mod.default === undefined) {
    return { problem: 'no default export; export default { name, description, run }' };
  }
  const value: unknown = mod.default;
  if (isAgent(value)) return { agent: value };
  const inner: unknown = typeof value === 'object' && value !== null ? (value as { default?: unknown }).default : undefined;
  if (isAgent(inner)) return { agent: inner };
  return { problem: `the default export is not an agent: ${agentShapeProblems(inner ?? value).join('; ')}` };
}

async function moduleFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isModuleFile(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export async function loadAgents(opts: LoadAgentsOptions = {}): Promise<LoadedAgents> {
  const agents = new Map<string, Agent>();
  const infos: AgentInfo[] = [];
  const errors: AgentLoadError[] = [];
  /** Where each name came from, for duplicate messages. */
  const origin = new Map<string, string>();

  const add = (agent: Agent, info: AgentInfo, where: string): string | undefined => {
    const first = origin.get(agent.name);
    if (first !== undefined) return `duplicate agent name ${JSON.stringify(agent.name)}, already defined by ${first}`;
    agents.set(agent.name, agent);
    origin.set(agent.name, where);
    infos.push(info);
    return undefined;
  };

  for (const agent of BUILTIN_AGENTS)
    add(agent, { name: agent.name, description: agent.description, kind: 'builtin' }, 'the built-in agent');

  if (opts.agentsDir !== undefined) {
    const dir = path.resolve(opts.agentsDir);
    let files: string[] = [];
    try {
      files = await moduleFiles(dir);
    } catch (err) {
      errors.push({ path: dir, error: `cannot read the agents folder: ${err instanceof Error ? err.message : String(err)}` });
    }
    for (const file of files) {
      let mod: unknown;
      try {
        mod = await import(/* @vite-ignore */ pathToFileURL(file).href);
      } catch (err) {
        errors.push({ path: file, error: importErrorMessage(err, file) });
        continue;
      }
      const found = exportedAgent(mod);
      const error =
        'problem' in found
          ? found.problem
          : add(found.agent, { name: found.agent.name, description: found.agent.description, kind: 'plugin', source: file }, file);
      if (error !== undefined) errors.push({ path: file, error });
    }
  }

  for (const [name, config] of Object.entries(opts.llm ?? {})) {
    const where = `agents.${name}`;
    // Validated by the config schema; checked again because it crossed a thread boundary as plain data.
    const kind: unknown = (config as { kind?: unknown }).kind;
    if (kind !== 'llm') {
      errors.push({ path: where, error: `unsupported agent kind ${JSON.stringify(kind)}; expected "llm"` });
      continue;
    }
    const agent = createLlmAgent(name, config, opts.env ?? process.env, opts.fetch ?? fetch);
    const error = add(
      agent,
      { name, description: agent.description, kind: 'llm', source: redactUrl(config.base_url) },
      `config.yml ${where}`,
    );
    if (error !== undefined) errors.push({ path: where, error });
  }

  return { agents, infos, errors };
}
