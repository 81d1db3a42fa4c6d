import { useState, type FormEvent } from 'react';
import { DEFAULT_CONFIG } from '../../../../src-shared/config-schema';
import { useApi, useApp, useStoreApi } from '../../app/shell-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { NumberField } from '../../components/NumberField';
import { describeError, toUiError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import { upsertQueue } from '../../store/slices/queues';
import { draftToOptions, EMPTY_DRAFT, type NumericKey, type QueueDraft } from './create-queue-model';

export function CreateQueueForm() {
  const api = useApi();
  const store = useStoreApi();
  const defaults = useApp((s) => s.config?.config.queue) ?? DEFAULT_CONFIG.queue;
  const [draft, setDraft] = useState<QueueDraft>(EMPTY_DRAFT);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const { options, errors } = draftToOptions(draft);
  const show = (k: keyof typeof errors): string | undefined =>
    touched || (k !== 'name' && draft[k as keyof QueueDraft] !== '') ? errors[k] : undefined;
  const set = (patch: Partial<QueueDraft>): void => setDraft((d) => ({ ...d, ...patch }));
  // The numeric options are alike: empty takes config.yml's default, shown as the placeholder.
  const numberRow = (key: NumericKey, label: string, testId: string, min: number, rule: string, fallback: number) => (
    <NumberField
      label={label}
      hint={`${rule} · default ${formatCount(fallback)}`}
      error={show(key)}
      testId={testId}
      inputTestId={`${testId}-input`}
      min={min}
      numericKeypad
      value={draft[key]}
      onChange={(v) => set({ [key]: v })}
      placeholder={String(fallback)}
    />
  );

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setResult(null);
    try {
      const summary = await api.call(
        'queues.create',
        Object.keys(options).length > 0 ? { name: draft.name, options } : { name: draft.name },
      );
      store.setState((s) => ({ queues: upsertQueue(s.queues, summary) }));
      setResult({ ok: true, text: `Queue “${summary.name}” is ready (cap ${formatCount(summary.options.maxLength)}).` });
      setDraft(EMPTY_DRAFT);
      setTouched(false);
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="create-queue-title"
      data-testid="create-queue-form"
    >
      <h2 id="create-queue-title">Create a queue</h2>
      <p className="muted small">
        Empty fields take the defaults of config.yml. For a queue that exists, the options given replace its current ones.
      </p>
      <div className="form-grid">
        <Field label="Name" hint="1-100 letters, digits, “.”, “_” or “-”" error={show('name')} testId="queue-name">
          {(p) => (
            <input
              {...p}
              value={draft.name}
              onChange={(e) => set({ name: e.target.value })}
              placeholder="jobs"
              autoComplete="off"
              data-testid="queue-name-input"
            />
          )}
        </Field>
        {numberRow('maxLength', 'Cap (max length)', 'queue-cap', 1, 'waiting + delayed; ≥ 1', defaults.max_length)}
        {numberRow('maxRetries', 'Max retries', 'queue-retries', 0, 'after the first attempt; ≥ 0', defaults.max_retries)}
        <Field label="Backoff type" hint={`default ${defaults.backoff.type}`} testId="queue-backoff-type">
          {(p) => (
            <select
              {...p}
              value={draft.backoffType}
              onChange={(e) => set({ backoffType: e.target.value as QueueDraft['backoffType'] })}
              data-testid="queue-backoff-type-input"
            >
              <option value="">default ({defaults.backoff.type})</option>
              <option value="fixed">fixed</option>
              <option value="exponential">exponential</option>
            </select>
          )}
        </Field>
        {numberRow('delayMs', 'Backoff delay (ms)', 'queue-backoff-delay', 0, '≥ 0', defaults.backoff.delay_ms)}
        {numberRow(
          'maxDelayMs',
          'Backoff max delay (ms)',
          'queue-backoff-max',
          0,
          '≥ delay for exponential',
          defaults.backoff.max_delay_ms,
        )}
        {numberRow('leaseMs', 'Lease (ms)', 'queue-lease', 1000, '≥ 1,000', defaults.lease_ms)}
      </div>
      {errors.backoff && touched ? <ErrorMessage testId="create-queue-error">{errors.backoff}</ErrorMessage> : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="create-queue-submit">
          {busy ? 'Creating…' : 'Create queue'}
        </button>
        {result ? (
          result.ok ? (
            <span role="status" className="ok-text" data-testid="create-queue-result">
              {result.text}
            </span>
          ) : (
            <ErrorMessage testId="create-queue-error">{result.text}</ErrorMessage>
          )
        ) : null}
      </div>
    </form>
  );
}
