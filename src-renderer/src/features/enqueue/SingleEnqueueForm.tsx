import { useState, type FormEvent } from 'react';
import { agentItem } from '../../../../src-shared/item-schema';
import { useApi, useReader } from '../../app/shell-context';
import { Field } from '../../components/Field';
import { ActionButton } from '../../components/ActionButton';
import { useOfflineReason } from '../../app/use-offline';
import { toUiError, type UiError } from '../../lib/errors';
import { jobHref } from '../../lib/routes';
import { blocker, parseInput, parseOptions } from './enqueue-input';
import { EnqueueError } from './EnqueueOutcome';
import type { EnqueueTarget } from './EnqueueView';

/** Where jobs from the control center say they come from. */
export const SOURCE = 'control-center';

export function SingleEnqueueForm({
  target,
  jobId,
  onJobId,
  jobIdError,
}: {
  target: EnqueueTarget;
  jobId: string;
  onJobId: (v: string) => void;
  jobIdError: string | undefined;
}) {
  const api = useApi();
  const read = useReader();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ id: string } | { error: UiError } | null>(null);
  const input = parseInput(text, target.mode);
  const { options, errors } = parseOptions(target.options);
  const invalid = !input.ok || Object.keys(errors).length > 0 || target.queue === '' || target.agent === '';
  const offline = useOfflineReason();
  const blocked = offline ?? blocker(target, input.ok, Object.keys(errors).length > 0);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid || !input.ok || blocked !== undefined) return;
    setBusy(true);
    setOutcome(null);
    try {
      const item = agentItem(target.agent, input.value, SOURCE);
      const hasOptions = Object.keys(options).length > 0;
      const { id } = await api.call('jobs.enqueue', hasOptions ? { queue: target.queue, item, options } : { queue: target.queue, item });
      setOutcome({ id });
    } catch (err) {
      setOutcome({ error: toUiError(err) });
    } finally {
      setBusy(false);
      void read.queues();
    }
  };

  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} noValidate data-testid="enqueue-form" aria-label="Enqueue one job">
      <Field
        label={target.mode === 'json' ? 'Input (JSON)' : 'Input (text)'}
        hint={target.mode === 'json' ? 'Any JSON value: an object, a string in quotes, a number…' : 'Sent to the agent as a string.'}
        error={text !== '' && !input.ok ? input.message : undefined}
        testId="enqueue-input"
      >
        {(p) => (
          <textarea
            {...p}
            rows={8}
            spellCheck={false}
            className="mono"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={target.mode === 'json' ? '{"text": "Summarise the Q3 earnings call."}' : 'Summarise the Q3 earnings call.'}
            data-testid="enqueue-input"
          />
        )}
      </Field>
      <Field
        label="Idempotency key (job id)"
        hint="optional; enqueueing the same key again adds nothing and returns that job"
        error={jobIdError}
        testId="enqueue-job-id"
      >
        {(p) => <input {...p} value={jobId} onChange={(e) => onJobId(e.target.value)} autoComplete="off" data-testid="enqueue-job-id" />}
      </Field>
      <div className="form-actions">
        <ActionButton type="submit" className="primary" disabled={busy} disabledReason={blocked} data-testid="enqueue-submit">
          {busy ? 'Enqueueing…' : 'Enqueue'}
        </ActionButton>
        {outcome && 'id' in outcome ? (
          <span role="status" className="ok-text" data-testid="enqueue-result">
            Enqueued job{' '}
            <a href={jobHref(target.queue, outcome.id)} data-testid="enqueue-result-id">
              {outcome.id}
            </a>{' '}
            on {target.queue}.
          </span>
        ) : null}
      </div>
      {outcome && 'error' in outcome ? <EnqueueError error={outcome.error} jobs={1} /> : null}
    </form>
  );
}
