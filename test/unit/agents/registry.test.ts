import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentContext } from '../../../src-shared/agent';
import type { AgentsConfig } from '../../../src-shared/config-schema';
import { BUILTIN_AGENTS, importErrorMessage, loadAgents, resolveAgentsDir, unknownAgentMessage } from '../../../src-main/agents/registry';

const execFileAsync = promisify(execFile);
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
const GOOD = path.join(FIXTURES, 'agents');
const BROKEN = path.join(FIXTURES, 'agents-broken');
const LLM: AgentsConfig = { 'summarizer-llm': { kind: 'llm', base_url: 'http://localhost:11434/v1', model: 'llama3.2' } };

const ctx = (): AgentContext => ({ signal: new AbortController().signal, progress() {}, log() {}, jobId: 'j1', attempt: 1 });

/** A temp folder of agent modules, written from `files` (name → source). */
let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-agents-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});
async function folder(files: Record<string, string>): Promise<string> {
  for (const [name, source] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(tmp, name)), { recursive: true });
    await fs.writeFile(path.join(tmp, name), source);
  }
  return tmp;
}
const esm = (name: string) => `export default { name: '${name}', description: 'd', run: (i) => i };\n`;

describe('loadAgents: built-ins', () => {
  it('loads echo, sleep, hash and summarizer with nothing configured', async () => {
    const { agents, infos, errors } = await loadAgents();
    expect([...agents.keys()]).toEqual(['echo', 'sleep', 'hash', 'summarizer']);
    expect(infos.map((i) => [i.name, i.kind])).toEqual([
      ['echo', 'builtin'],
      ['sleep', 'builtin'],
      ['hash', 'builtin'],
      ['summarizer', 'builtin'],
    ]);
    expect(errors).toEqual([]);
  });

  it('describes every built-in', () => {
    for (const agent of BUILTIN_AGENTS) expect(agent.description.length, agent.name).toBeGreaterThan(10);
  });
});

describe('loadAgents: agents_dir', () => {
  it('loads every fixture agent as a plugin, with its path as source', async () => {
    const { agents, infos, errors } = await loadAgents({ agentsDir: GOOD });
    expect(errors).toEqual([]);
    for (const name of ['fail', 'flaky', 'crash', 'hang', 'oom', 'progress']) expect(agents.has(name), name).toBe(true);
    expect(infos.find((i) => i.name === 'flaky')).toEqual({
      name: 'flaky',
      description: expect.any(String),
      kind: 'plugin',
      source: path.join(GOOD, 'flaky.ts'),
    });
  });

  it('loads plug-ins after the built-ins, in file-name order', async () => {
    const { infos } = await loadAgents({ agentsDir: await folder({ 'b.mjs': esm('bee'), 'a.mjs': esm('ay') }) });
    expect(infos.map((i) => i.name)).toEqual(['echo', 'sleep', 'hash', 'summarizer', 'ay', 'bee']);
  });

  it('runs a loaded plug-in', async () => {
    const { agents } = await loadAgents({ agentsDir: GOOD });
    expect(await agents.get('flaky')?.run({ failTimes: 1 }, { ...ctx(), attempt: 2 })).toBe('ok');
  });

  it('reports broken modules with their paths and still loads the valid one', async () => {
    const { agents, errors } = await loadAgents({ agentsDir: BROKEN });
    expect(agents.has('valid')).toBe(true);
    expect(errors.map((e) => path.basename(e.path)).sort()).toEqual(['not-an-agent.ts', 'syntax-error.mjs']);
  });

  it('says what is wrong with a default export that is not an agent', async () => {
    const { errors } = await loadAgents({ agentsDir: BROKEN });
    expect(errors.find((e) => e.path.endsWith('not-an-agent.ts'))?.error).toBe(
      'the default export is not an agent: name must be 1-100 letters, digits, ".", "_" or "-", got "not an agent"; ' +
        'description must be a string, got number; run must be a function, got undefined',
    );
  });

  it('reports a syntax error as one', async () => {
    const { errors } = await loadAgents({ agentsDir: BROKEN });
    expect(errors.find((e) => e.path.endsWith('syntax-error.mjs'))?.error).toMatch(/^syntax error( at line 6)?: Unexpected token/);
  });

  it('reports a module that throws while being imported, and loads its neighbours', async () => {
    const dir = await folder({ 'boom.mjs': "throw new Error('no config');\n", 'ok.mjs': esm('ok') });
    const { agents, errors } = await loadAgents({ agentsDir: dir });
    expect(errors).toEqual([{ path: path.join(dir, 'boom.mjs'), error: 'threw on import: no config' }]);
    expect(agents.has('ok')).toBe(true);
  });

  it('reports a module without a default export', async () => {
    const dir = await folder({ 'named.mjs': "export const agent = { name: 'n', description: '', run() {} };\n" });
    const { errors } = await loadAgents({ agentsDir: dir });
    expect(errors).toEqual([{ path: path.join(dir, 'named.mjs'), error: 'no default export; export default { name, description, run }' }]);
  });

  it('reports a plug-in that takes a built-in name, keeping the built-in', async () => {
    const dir = await folder({ 'echo.mjs': "export default { name: 'echo', description: 'mine', run: () => 'mine' };\n" });
    const { agents, errors } = await loadAgents({ agentsDir: dir });
    expect(errors).toEqual([
      { path: path.join(dir, 'echo.mjs'), error: 'duplicate agent name "echo", already defined by the built-in agent' },
    ]);
    expect(await agents.get('echo')?.run('x', ctx())).toBe('x');
  });

  it('reports the second of two plug-ins with one name, keeping the first', async () => {
    const dir = await folder({ 'a.mjs': esm('twin'), 'b.mjs': esm('twin') });
    const { infos, errors } = await loadAgents({ agentsDir: dir });
    expect(errors).toEqual([
      { path: path.join(dir, 'b.mjs'), error: `duplicate agent name "twin", already defined by ${path.join(dir, 'a.mjs')}` },
    ]);
    expect(infos.filter((i) => i.name === 'twin')).toHaveLength(1);
  });

  it('loads CommonJS: module.exports = agent', async () => {
    const dir = await folder({ 'cjs.cjs': "module.exports = { name: 'cjs', description: 'd', run: (i) => i };\n" });
    const { agents, errors } = await loadAgents({ agentsDir: dir });
    expect(errors).toEqual([]);
    expect(agents.has('cjs')).toBe(true);
  });

  it('loads CommonJS compiled from ESM: exports.default = agent', async () => {
    const source =
      "Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = { name: 'compiled', description: 'd', run: (i) => i };\n";
    const { agents, errors } = await loadAgents({ agentsDir: await folder({ 'compiled.js': source }) });
    expect(errors).toEqual([]);
    expect(agents.has('compiled')).toBe(true);
  });

  it('ignores files that are not modules: other extensions, declarations, dotfiles and subfolders', async () => {
    const dir = await folder({
      'README.md': '# agents',
      'types.d.ts': 'export {};',
      '.draft.mjs': 'this is not javascript',
      'lib/helper.mjs': 'export default 5;',
      'ok.mjs': esm('ok'),
    });
    const { infos, errors } = await loadAgents({ agentsDir: dir });
    expect(errors).toEqual([]);
    expect(infos.filter((i) => i.kind === 'plugin').map((i) => i.name)).toEqual(['ok']);
  });

  it('reports a missing agents folder and still loads the rest', async () => {
    const missing = path.join(tmp, 'nope');
    const { agents, errors } = await loadAgents({ agentsDir: missing, llm: LLM });
    expect(errors).toEqual([{ path: missing, error: expect.stringMatching(/^cannot read the agents folder: ENOENT/) }]);
    expect(agents.has('echo') && agents.has('summarizer-llm')).toBe(true);
  });
});

describe('loadAgents: in plain Node (tsx), as worker threads run it, not through vitest', () => {
  /** Runs loadAgents on `dir` in a child Node process; returns what it found. */
  async function loadInNode(dir: string): Promise<{ names: string[]; errors: Array<{ path: string; error: string }> }> {
    const registry = pathToFileURL(path.join(__dirname, '..', '..', '..', 'src-main', 'agents', 'registry.ts')).href;
    const script = path.join(tmp, 'probe.mts');
    await fs.writeFile(
      script,
      `const { loadAgents } = await import(${JSON.stringify(registry)});\n` +
        `const r = await loadAgents({ agentsDir: ${JSON.stringify(dir)} });\n` +
        'console.log(JSON.stringify({ names: [...r.agents.keys()], errors: r.errors }));\n',
    );
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], { cwd: path.join(__dirname, '..', '..', '..') });
    return JSON.parse(stdout) as { names: string[]; errors: Array<{ path: string; error: string }> };
  }

  it('loads ESM, CommonJS and compiled-ESM modules, and reports a CommonJS syntax error with its line', async () => {
    const dir = path.join(tmp, 'agents');
    await folder({
      'agents/a.mjs': esm('esm-agent'),
      'agents/b.cjs': "module.exports = { name: 'cjs-agent', description: 'd', run: (i) => i };\n",
      'agents/c.js': "exports.__esModule = true;\nexports.default = { name: 'compiled-agent', description: 'd', run: (i) => i };\n",
      'agents/d.cjs': '// a comment\nmodule.exports = {;\n',
    });
    const { names, errors } = await loadInNode(dir);
    expect(names.slice(BUILTIN_AGENTS.length)).toEqual(['esm-agent', 'cjs-agent', 'compiled-agent']);
    expect(errors).toEqual([{ path: path.join(dir, 'd.cjs'), error: "syntax error at line 2: Unexpected token ';'" }]);
  });

  it('loads the TypeScript fixture agents under the tsx loader', async () => {
    const { names, errors } = await loadInNode(BROKEN);
    expect(names).toContain('valid');
    expect(errors.map((e) => path.basename(e.path))).toEqual(['not-an-agent.ts', 'syntax-error.mjs']);
  });
});

describe('loadAgents: LLM agents from config', () => {
  it('adds each configured LLM agent with kind llm and its base_url as source', async () => {
    const { agents, infos } = await loadAgents({ llm: LLM });
    expect(agents.has('summarizer-llm')).toBe(true);
    expect(infos.at(-1)).toEqual({
      name: 'summarizer-llm',
      description: 'LLM agent: llama3.2 at http://localhost:11434/v1',
      kind: 'llm',
      source: 'http://localhost:11434/v1',
    });
  });

  it('uses the configured description', async () => {
    const { infos } = await loadAgents({ llm: { w: { ...LLM['summarizer-llm']!, description: 'Writes haiku' } } });
    expect(infos.at(-1)?.description).toBe('Writes haiku');
  });

  it('reports an LLM agent that takes a built-in name, by its config path', async () => {
    const { errors } = await loadAgents({ llm: { hash: LLM['summarizer-llm']! } });
    expect(errors).toEqual([{ path: 'agents.hash', error: 'duplicate agent name "hash", already defined by the built-in agent' }]);
  });

  it('reports an agent kind it does not know (config data crosses threads unchecked)', async () => {
    const { errors } = await loadAgents({ llm: JSON.parse('{"x": {"kind": "python"}}') as AgentsConfig });
    expect(errors).toEqual([{ path: 'agents.x', error: 'unsupported agent kind "python"; expected "llm"' }]);
  });

  it('gives LLM agents the fetch and env it was given', async () => {
    const calls: Array<{ url: string; auth: string | null }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, auth: new Headers(init.headers).get('authorization') });
      return Response.json({ model: 'm', choices: [{ message: { role: 'assistant', content: 'hi' } }] });
    }) as typeof fetch;
    const llm: AgentsConfig = { w: { ...LLM['summarizer-llm']!, api_key_env: 'KEY' } };
    const { agents } = await loadAgents({ llm, env: { KEY: 'k1' }, fetch: fakeFetch });
    expect(await agents.get('w')?.run('hello', ctx())).toEqual({ output: 'hi', model: 'm' });
    expect(calls).toEqual([{ url: 'http://localhost:11434/v1/chat/completions', auth: 'Bearer k1' }]);
  });
});

describe('unknownAgentMessage', () => {
  it('names the agent and lists the known ones, sorted', () => {
    expect(unknownAgentMessage('x', ['sleep', 'echo', 'hash'])).toBe('unknown agent "x"; known: echo, hash, sleep');
  });

  it('says so when no agent is loaded', () => {
    expect(unknownAgentMessage('x', [])).toBe('unknown agent "x"; no agents are loaded');
  });
});

describe('importErrorMessage', () => {
  it('explains a .ts module without a TypeScript loader', () => {
    const err = Object.assign(new TypeError('Unknown file extension ".ts"'), { code: 'ERR_UNKNOWN_FILE_EXTENSION' });
    expect(importErrorMessage(err, '/a/b.ts')).toBe('cannot load .ts without a TypeScript loader: compile it to .js, or run under tsx');
  });

  it('keeps the line of a syntax error when Node gives it', () => {
    const err = new SyntaxError("Unexpected token ';'");
    err.stack = "file:///a/b.mjs:6\n    return input +;\n\nSyntaxError: Unexpected token ';'";
    expect(importErrorMessage(err, '/a/b.mjs')).toBe("syntax error at line 6: Unexpected token ';'");
  });
});

describe('resolveAgentsDir', () => {
  it('resolves a relative agents_dir against the config file folder', () => {
    expect(resolveAgentsDir('agents', '/etc/conveyor/config.yml')).toBe('/etc/conveyor/agents');
  });

  it('keeps an absolute agents_dir', () => {
    expect(resolveAgentsDir('/srv/agents', '/etc/conveyor/config.yml')).toBe('/srv/agents');
  });
});
