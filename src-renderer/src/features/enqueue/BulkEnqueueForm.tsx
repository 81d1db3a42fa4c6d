import { useMemo, useState, type FormEvent } from 'react';
import { agentItem } from '../../../../src-shared/item-schema';
import { useApi, useReader } from '../../app/shell-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { toUiError, type UiError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import { parseLines, parseOptions } from './enqueue-input';
import { EnqueueError } from './EnqueueOutcome';
import type { EnqueueTarget } from './EnqueueView';
import { SOURCE } from './SingleEnqueueForm';

/** The contract's limit per `jobs.enqueueMany` call; each call is all or nothing. */
const CHUNK = 10_000;

export function BulkEnqueueForm({ target }: { target: EnqueueTarget }) {
  const api = useApi();
  const read = useReader();
  const [text, setText] = useState('');
  const [fileNote, setFileNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ enqueued: number; error?: UiError; failedChunk?: number } | null>(null);
  const parsed = useMemo(() => parseLines(text, target.mode), [text, target.mode]);
  const { options, errors } = parseOptions(target.options);
  // An idempotency key names one job: it cannot apply to many.
  delete options.jobId;
  const invalid =
    parsed.inputs.length === 0 ||
    parsed.errors.length > 0 ||
    Boolean(errors.priority ?? errors.delayMs) ||
    target.queue === '' ||
    target.agent === '';

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    setDone(null);
    let enqueued = 0;
    try {
      const hasOptions = Object.keys(options).length > 0;
      for (let i = 0; i < parsed.inputs.length; i += CHUNK) {
        const items = parsed.inputs.slice(i, i + CHUNK).map((input) => {
          const item = agentItem(target.agent, input, SOURCE);
          return hasOptions ? { item, options } : { item };
        });
        try {
          const { ids } = await api.call('jobs.enqueueMany', { queue: target.queue, items });
          enqueued += ids.length;
        } catch (err) {
          setDone({ enqueued, error: toUiError(err), failedChunk: items.length });
          return;
        }
      }
      setDone({ enqueued });
    } finally {
      setBusy(false);
      void read.queues();
    }
  };

  const onFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    try {
      setText(await file.text());
      setFileNote(`Loaded ${file.name} (${formatCount(file.size)} bytes).`);
    } catch (err) {
      setFileNote(`Could not read ${file.name}: ${toUiError(err).message}`);
    }
  };

  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} noValidate data-testid="bulk-enqueue-form" aria-label="Enqueue many jobs">
      <Field
        label={`Inputs, one per line (${target.mode === 'json' ? 'each line JSON' : 'each line text'})`}
        hint="Blank lines are skipped. Priority and delay above apply to every job."
        testId="bulk-enqueue-lines"
      >
        {(p) => (
          <textarea
            {...p}
            rows={10}
            spellCheck={false}
            className="mono"
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="bulk-enqueue-lines"
          />
        )}
      </Field>
      <label className="inline">
        Or load a file (one input per line){' '}
        <input
          type="file"
          accept=".txt,.jsonl,.ndjson,.csv,text/plain"
          onChange={(e) => void onFile(e.target.files?.[0])}
          data-testid="bulk-enqueue-file"
        />
      </label>
      {fileNote ? (
        <p className="muted small" data-testid="bulk-enqueue-file-note">
          {fileNote}
        </p>
      ) : null}
      <p className="muted small" data-testid="bulk-enqueue-count">
        {formatCount(parsed.inputs.length)} {parsed.inputs.length === 1 ? 'job' : 'jobs'} ready
        {parsed.errors.length > 0 ? `, ${formatCount(parsed.errors.length)} invalid ${parsed.errors.length === 1 ? 'line' : 'lines'}` : ''}.
      </p>
      {parsed.errors.length > 0 ? (
        <ErrorMessage testId="bulk-enqueue-line-errors">
          <ul>
            {parsed.errors.slice(0, 5).map((e) => (
              <li key={e.line}>
                Line {e.line}: {e.message}
              </li>
            ))}
            {parsed.errors.length > 5 ? <li>…and {formatCount(parsed.errors.length - 5)} more.</li> : null}
          </ul>
        </ErrorMessage>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || invalid} data-testid="bulk-enqueue-submit">
          {busy ? 'Enqueueing…' : `Enqueue ${formatCount(parsed.inputs.length)} ${parsed.inputs.length === 1 ? 'job' : 'jobs'}`}
        </button>
        {done && !done.error ? (
          <span role="status" className="ok-text" data-testid="bulk-enqueue-result">
            Enqueued {formatCount(done.enqueued)} {done.enqueued === 1 ? 'job' : 'jobs'} on {target.queue}.
          </span>
        ) : null}
      </div>
      {done?.error ? (
        <EnqueueError
          error={done.error}
          jobs={done.failedChunk ?? parsed.inputs.length}
          prefix={done.enqueued > 0 ? `${formatCount(done.enqueued)} jobs were enqueued before this: ` : ''}
        />
      ) : null}
    </form>
  );
}
