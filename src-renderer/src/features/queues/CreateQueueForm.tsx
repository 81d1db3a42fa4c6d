import { useState, type FormEvent } from 'react';
import { DEFAULT_CONFIG } from '../../../../src-shared/config-schema';
import { useApi, useApp, useStoreApi } from '../../app/shell-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { describeError, toUiError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import { upsertQueue } from '../../store/slices/queues';
import { draftToOptions, EMPTY_DRAFT, type QueueDraft } from './create-queue-model';

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
        <Field
          label="Cap (max length)"
          hint={`waiting + delayed; ≥ 1 · default ${formatCount(defaults.max_length)}`}
          error={show('maxLength')}
          testId="queue-cap"
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              value={draft.maxLength}
              onChange={(e) => set({ maxLength: e.target.value })}
              placeholder={String(defaults.max_length)}
              data-testid="queue-cap-input"
            />
          )}
        </Field>
        <Field
          label="Max retries"
          hint={`after the first attempt; ≥ 0 · default ${defaults.max_retries}`}
          error={show('maxRetries')}
          testId="queue-retries"
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={draft.maxRetries}
              onChange={(e) => set({ maxRetries: e.target.value })}
              placeholder={String(defaults.max_retries)}
              data-testid="queue-retries-input"
            />
          )}
        </Field>
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
        <Field
          label="Backoff delay (ms)"
          hint={`≥ 0 · default ${formatCount(defaults.backoff.delay_ms)}`}
          error={show('delayMs')}
          testId="queue-backoff-delay"
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={draft.delayMs}
              onChange={(e) => set({ delayMs: e.target.value })}
              placeholder={String(defaults.backoff.delay_ms)}
              data-testid="queue-backoff-delay-input"
            />
          )}
        </Field>
        <Field
          label="Backoff max delay (ms)"
          hint={`≥ delay for exponential · default ${formatCount(defaults.backoff.max_delay_ms)}`}
          error={show('maxDelayMs')}
          testId="queue-backoff-max"
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={draft.maxDelayMs}
              onChange={(e) => set({ maxDelayMs: e.target.value })}
              placeholder={String(defaults.backoff.max_delay_ms)}
              data-testid="queue-backoff-max-input"
            />
          )}
        </Field>
        <Field label="Lease (ms)" hint={`≥ 1,000 · default ${formatCount(defaults.lease_ms)}`} error={show('leaseMs')} testId="queue-lease">
          {(p) => (
            <input
              {...p}
              type="number"
              min={1000}
              step={1}
              inputMode="numeric"
              value={draft.leaseMs}
              onChange={(e) => set({ leaseMs: e.target.value })}
              placeholder={String(defaults.lease_ms)}
              data-testid="queue-lease-input"
            />
          )}
        </Field>
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
