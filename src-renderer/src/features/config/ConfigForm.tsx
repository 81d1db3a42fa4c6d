import { Fragment, useMemo, useState, type FormEvent } from 'react';
import type { ConfigSaved, ConfigView } from '../../../../src-shared/contract';
import { SECRET_MASK } from '../../../../src-shared/contract';
import type { ConfigIssue } from '../../../../src-shared/errors';
import { useApi, useReader } from '../../app/shell-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { configIssuesOf, toUiError } from '../../lib/errors';
import { AgentsEditor } from './AgentsEditor';
import {
  agentDraftsFromConfig,
  buildPatch,
  isEmptyPatch,
  issueFor,
  SECTIONS,
  secretIsSet,
  overriddenBy,
  TLS_MODE,
  unplacedIssues,
  validatePatch,
  valuesFromConfig,
  type AgentDraft,
  type FieldSpec,
  type FormValues,
  type TlsMode,
} from './config-form-model';
import { IssueList } from './IssueList';
import { constraintHint } from './schema-hints';

/** How many settings a patch touches, for the save button. */
function countLeaves(v: unknown): number {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 1;
  return Object.values(v).reduce<number>((n, x) => n + countLeaves(x), 0);
}

/**
 * Every setting of config.yml as a form. Hints come from the shared schema,
 * errors from running the shared parser on what would be saved, and only
 * changed settings are sent (`config.save {patch}`).
 */
export function ConfigForm({ view, onSaved }: { view: ConfigView; onSaved: (s: ConfigSaved) => void }) {
  const api = useApi();
  const read = useReader();
  const config = view.config;
  const [initial] = useState<FormValues>(() => valuesFromConfig(config));
  const [initialAgents] = useState<AgentDraft[]>(() => agentDraftsFromConfig(config));
  const [values, setValues] = useState<FormValues>(initial);
  const [agents, setAgents] = useState<AgentDraft[]>(initialAgents);
  const [cleared, setCleared] = useState<ReadonlySet<string>>(new Set());
  const [saving, setSaving] = useState(false);
  const [serverIssues, setServerIssues] = useState<{ message: string; issues: ConfigIssue[] } | null>(null);

  const patch = useMemo(
    () => buildPatch(config, initial, values, initialAgents, agents, cleared),
    [config, initial, values, initialAgents, agents, cleared],
  );
  const issues = useMemo(() => (isEmptyPatch(patch) ? [] : validatePatch(config, patch)), [config, patch]);
  const allIssues = serverIssues ? [...issues, ...serverIssues.issues] : issues;
  const changes = isEmptyPatch(patch) ? 0 : countLeaves(patch);
  const set = (path: string, v: string | boolean): void => {
    setValues((prev) => ({ ...prev, [path]: v }));
    setServerIssues(null);
  };
  const tlsMode = values[TLS_MODE] as TlsMode;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (changes === 0 || issues.length > 0) return;
    setSaving(true);
    setServerIssues(null);
    try {
      onSaved(await api.call('config.save', { patch }));
      void read.config();
    } catch (err) {
      const ui = toUiError(err);
      setServerIssues({ message: ui.message, issues: configIssuesOf(ui) });
    } finally {
      setSaving(false);
    }
  };

  const renderField = (f: FieldSpec) => {
    const value = values[f.path];
    const overridden = overriddenBy(f.path, values);
    const hint = overridden ?? [constraintHint(f.path), f.help].filter(Boolean).join(' — ');
    const error = issueFor(allIssues, f.path);
    const testId = `config-${f.path}`;
    return (
      <Field key={f.path} label={f.label} hint={hint} error={error} testId={testId}>
        {(p) => {
          const common = {
            ...p,
            'data-testid': `config-field-${f.path}`,
            name: f.path,
            ...(overridden ? { readOnly: true, 'aria-readonly': true } : {}),
          };
          switch (f.kind) {
            case 'bool':
              return <input {...common} type="checkbox" checked={value === true} onChange={(e) => set(f.path, e.target.checked)} />;
            case 'enum':
              return (
                <select {...common} value={String(value ?? '')} onChange={(e) => set(f.path, e.target.value)}>
                  {f.options?.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              );
            case 'secret': {
              const stored = secretIsSet(config, f.path);
              const isCleared = cleared.has(f.path);
              return (
                <span className="secret">
                  <input
                    {...common}
                    type="password"
                    autoComplete="new-password"
                    value={String(value ?? '')}
                    placeholder={stored && !isCleared ? SECRET_MASK : 'not set'}
                    disabled={isCleared}
                    onChange={(e) => set(f.path, e.target.value)}
                  />
                  {stored ? (
                    <label className="inline small">
                      <input
                        type="checkbox"
                        checked={isCleared}
                        onChange={(e) => {
                          const next = new Set(cleared);
                          if (e.target.checked) next.add(f.path);
                          else next.delete(f.path);
                          setCleared(next);
                          set(f.path, '');
                        }}
                        data-testid={`config-clear-${f.path}`}
                      />{' '}
                      remove
                    </label>
                  ) : null}
                </span>
              );
            }
            case 'int':
            case 'number':
              // Text, not type=number: a browser number box hides what was typed when it is not a number, and the error should name it.
              return (
                <input
                  {...common}
                  type="text"
                  inputMode={f.kind === 'int' ? 'numeric' : 'decimal'}
                  value={String(value ?? '')}
                  onChange={(e) => set(f.path, e.target.value)}
                />
              );
            default:
              return (
                <input
                  {...common}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  value={String(value ?? '')}
                  onChange={(e) => set(f.path, e.target.value)}
                />
              );
          }
        }}
      </Field>
    );
  };

  const placed = unplacedIssues(allIssues, agents).filter((i) => i.path !== 'queue.tls' || tlsMode === 'files');
  return (
    <form className="form config-form" onSubmit={(e) => void submit(e)} noValidate data-testid="config-form" aria-label="Config settings">
      {SECTIONS.map((section) => (
        <fieldset key={section.id} className="panel" data-testid={`config-section-${section.id}`}>
          <legend>{section.title}</legend>
          <div className="form-grid">
            {section.fields.map((f, i) => (
              <Fragment key={f.path}>
                {f.tlsFile && i === section.fields.findIndex((x) => x.tlsFile) ? (
                  <TlsModeField
                    value={tlsMode}
                    onChange={(m) => set(TLS_MODE, m)}
                    error={allIssues.find((x) => x.path === 'queue.tls')?.message}
                  />
                ) : null}
                {f.tlsFile && tlsMode !== 'files' ? null : renderField(f)}
              </Fragment>
            ))}
          </div>
        </fieldset>
      ))}
      <AgentsEditor
        agents={agents}
        issues={allIssues}
        onChange={(next) => {
          setAgents(next);
          setServerIssues(null);
        }}
      />
      <IssueList issues={placed} testId="config-form-issues" />
      {serverIssues && serverIssues.issues.length === 0 ? (
        <ErrorMessage testId="config-save-error">Not saved: {serverIssues.message}</ErrorMessage>
      ) : null}
      <div className="form-actions sticky-actions">
        <button type="submit" className="primary" disabled={saving || changes === 0 || issues.length > 0} data-testid="config-save">
          {saving ? 'Saving…' : changes === 0 ? 'No changes' : `Save ${changes} ${changes === 1 ? 'change' : 'changes'}`}
        </button>
        <button
          type="button"
          disabled={saving || changes === 0}
          onClick={() => {
            setValues(initial);
            setAgents(initialAgents);
            setCleared(new Set());
            setServerIssues(null);
          }}
          data-testid="config-reset"
        >
          Reset
        </button>
        {issues.length > 0 ? (
          <span className="error-text" data-testid="config-form-invalid">
            Fix {issues.length} {issues.length === 1 ? 'problem' : 'problems'} to save.
          </span>
        ) : null}
      </div>
    </form>
  );
}

function TlsModeField({ value, onChange, error }: { value: TlsMode; onChange: (m: TlsMode) => void; error: string | undefined }) {
  return (
    <Field label="TLS" hint="off, on with the system’s CAs, or on with files of your own" error={error} testId="config-queue.tls">
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value as TlsMode)} data-testid="config-field-queue.tls">
          <option value="off">off</option>
          <option value="on">on (system CAs)</option>
          <option value="files">on, with files</option>
        </select>
      )}
    </Field>
  );
}
