import type { ConfigIssue } from '../../../../src-shared/errors';
import { Field } from '../../components/Field';
import { AGENT_FIELDS, issueFor, type AgentDraft } from './config-form-model';
import { constraintHint, isRequired } from './schema-hints';

let nextKey = 0;

/** The `agents:` section: one card per agent (an OpenAI-compatible LLM), added and removed here. */
export function AgentsEditor({
  agents,
  issues,
  onChange,
}: {
  agents: readonly AgentDraft[];
  issues: readonly ConfigIssue[];
  onChange: (next: AgentDraft[]) => void;
}) {
  const update = (key: string, patch: Partial<AgentDraft>): void => onChange(agents.map((a) => (a.key === key ? { ...a, ...patch } : a)));
  return (
    <fieldset className="panel" data-testid="config-section-agents">
      <legend>Agents (LLM, from config.yml)</legend>
      {agents.length === 0 ? <p className="muted">No agents defined here. Built-in and plug-in agents need none.</p> : null}
      {agents.map((a) => (
        <div key={a.key} className="agent-card" data-testid="config-agent" data-agent={a.name}>
          <div className="form-grid">
            <Field
              label="Name"
              hint="1-100 letters, digits, “.”, “_” or “-”"
              error={
                issueFor(issues, `agents.${a.name}`) && !AGENT_FIELDS.some((f) => issueFor(issues, `agents.${a.name}.${f.path}`))
                  ? issueFor(issues, `agents.${a.name}`)
                  : undefined
              }
              testId="config-agent-name"
            >
              {(p) => (
                <input
                  {...p}
                  value={a.name}
                  onChange={(e) => update(a.key, { name: e.target.value })}
                  data-testid="config-agent-name"
                  autoComplete="off"
                />
              )}
            </Field>
            {AGENT_FIELDS.map((f) => {
              const path = `agents.*.${f.path}`;
              const hint = [isRequired(path) ? 'required' : 'optional', constraintHint(path), f.help].filter(Boolean).join(' — ');
              return (
                <Field
                  key={f.path}
                  label={f.label}
                  hint={hint}
                  error={issueFor(issues, `agents.${a.name}.${f.path}`)}
                  testId={`config-agent-${f.path}`}
                >
                  {(p) => (
                    <input
                      {...p}
                      type="text"
                      value={a.values[f.path] ?? ''}
                      onChange={(e) => update(a.key, { values: { ...a.values, [f.path]: e.target.value } })}
                      data-testid={`config-agent-field-${f.path}`}
                      autoComplete="off"
                      spellCheck={false}
                    />
                  )}
                </Field>
              );
            })}
          </div>
          <button
            type="button"
            className="danger"
            onClick={() => onChange(agents.filter((x) => x.key !== a.key))}
            data-testid="config-agent-remove"
            aria-label={`Remove agent ${a.name || '(unnamed)'}`}
          >
            Remove agent
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...agents, { key: `new:${++nextKey}`, name: '', values: {} }])}
        data-testid="config-agent-add"
      >
        Add agent
      </button>
    </fieldset>
  );
}
