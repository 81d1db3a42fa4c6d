import { useEffect, useRef, useState } from 'react';
import type { ConfigSaved, ConfigValidation, ConfigView } from '../../../../src-shared/contract';
import { useApi, useReader } from '../../app/shell-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useDebounced } from '../../hooks/use-debounced';
import { configIssuesOf, toUiError } from '../../lib/errors';
import { IssueList } from './IssueList';

type Check =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'done'; text: string; result: ConfigValidation }
  | { state: 'failed'; message: string };

/**
 * config.yml as text: validated by the server as you type (debounced), saved
 * only when the text that is shown has been found valid. Secrets appear
 * masked; a mask left in place keeps the stored secret.
 */
export function YamlEditor({ view, onSaved }: { view: ConfigView; onSaved: (s: ConfigSaved) => void }) {
  const api = useApi();
  const read = useReader();
  const [text, setText] = useState(view.text);
  const settled = useDebounced(text, 400);
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<{ message: string; issues: ReturnType<typeof configIssuesOf> } | null>(null);
  // Answers can arrive out of order; only the latest question's answer counts.
  const asked = useRef(0);

  useEffect(() => {
    if (settled === view.text) {
      setCheck({ state: 'idle' });
      return;
    }
    const n = ++asked.current;
    setCheck({ state: 'checking' });
    api.call('config.validate', { text: settled }).then(
      (result) => n === asked.current && setCheck({ state: 'done', text: settled, result }),
      (err: unknown) => n === asked.current && setCheck({ state: 'failed', message: toUiError(err).message }),
    );
  }, [settled, view.text, api]);

  const dirty = text !== view.text;
  const validForText = check.state === 'done' && check.text === text && check.result.ok;
  const canSave = dirty && validForText && !saving;

  const save = async (): Promise<void> => {
    if (!canSave) return;
    setSaving(true);
    setSaveError(null);
    try {
      onSaved(await api.call('config.save', { text }));
      void read.config();
    } catch (err) {
      const e = toUiError(err);
      setSaveError({ message: e.message, issues: configIssuesOf(e) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="panel form" data-testid="config-yaml-editor">
      <label htmlFor="config-yaml" className="visually-hidden">
        config.yml
      </label>
      <textarea
        id="config-yaml"
        className="mono yaml"
        rows={28}
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-describedby="config-yaml-status"
        aria-invalid={check.state === 'done' && !check.result.ok}
        data-testid="config-yaml"
      />
      <div
        id="config-yaml-status"
        data-testid="config-validation"
        data-state={!dirty ? 'unchanged' : check.state === 'done' ? (check.result.ok ? 'valid' : 'invalid') : check.state}
      >
        {!dirty ? (
          <span className="muted">As on disk.</span>
        ) : check.state === 'checking' || (check.state === 'done' && check.text !== text) || check.state === 'idle' ? (
          <span className="muted">Checking…</span>
        ) : check.state === 'failed' ? (
          <ErrorMessage testId="config-validate-error">Could not check: {check.message}</ErrorMessage>
        ) : check.result.ok ? (
          <span className="ok-text" data-testid="config-valid">
            Valid.{check.result.warnings.length > 0 ? ` ${check.result.warnings.length} warning(s):` : ''}
          </span>
        ) : (
          <IssueList issues={check.result.issues} testId="config-issues" />
        )}
        {check.state === 'done' && check.result.ok && check.result.warnings.length > 0 ? (
          <ul className="warnings" data-testid="config-validation-warnings">
            {check.result.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : null}
      </div>
      {saveError ? (
        <ErrorMessage testId="config-save-error">
          Not saved: {saveError.message}
          <IssueList issues={saveError.issues} testId="config-save-issues" />
        </ErrorMessage>
      ) : null}
      <div className="form-actions">
        <button type="button" className="primary" disabled={!canSave} onClick={() => void save()} data-testid="config-yaml-save">
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" disabled={!dirty || saving} onClick={() => setText(view.text)} data-testid="config-yaml-revert">
          Revert
        </button>
      </div>
    </div>
  );
}
