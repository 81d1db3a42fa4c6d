import { useState, type FormEvent } from 'react';
import type { CommandArgs } from '../../../../src-shared/contract';
import type { ScheduleInfo, ScheduleInput } from '../../../../src-shared/schedule';
import { useApi, useApp } from '../../app/shell-context';
import { Field } from '../../components/Field';
import { QueueOptions } from '../../components/QueueSelect';
import { describeError, toUiError } from '../../lib/errors';
import { parseJsonInput } from '../../lib/json-input';

type Mode = 'cron' | 'every';
type UpsertArgs = CommandArgs<'schedules.upsert'>;

/** Adds a schedule, or edits one (same queue and id: an upsert, so nothing doubles). */
export function ScheduleForm({
  editing,
  onSaved,
  onCancel,
}: {
  editing?: ScheduleInfo;
  onSaved: (s: ScheduleInfo) => void;
  onCancel?: () => void;
}) {
  const api = useApi();
  const queues = useApp((s) => s.queues);
  const [queue, setQueue] = useState(editing?.queue ?? [...queues.keys()][0] ?? '');
  const [id, setId] = useState(editing?.id ?? '');
  const [agent, setAgent] = useState(editing?.agent ?? '');
  const [input, setInput] = useState(editing ? JSON.stringify(editing.input) : 'null');
  const [mode, setMode] = useState<Mode>(editing?.everyMs !== undefined ? 'every' : 'cron');
  const [cron, setCron] = useState(editing?.cron ?? '0 9 * * 1-5');
  const [tz, setTz] = useState(editing?.tz ?? '');
  const [every, setEvery] = useState(editing?.everyMs !== undefined ? `${editing.everyMs / 1000}s` : '30s');
  const [catchUp, setCatchUp] = useState<ScheduleInput['catchUp']>(editing?.catchUp ?? 'once');
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const parsed = parseJsonInput(input);
    if (!parsed.ok) return setError({ field: 'input', text: `input: ${parsed.message}` });
    // JSON.parse gave it, so it is JSON.
    const args: UpsertArgs = { queue, id, agent, input: parsed.value as UpsertArgs['input'], ...(catchUp ? { catchUp } : {}) };
    if (mode === 'cron') {
      args.cron = cron;
      if (tz.trim() !== '') args.tz = tz.trim();
    } else {
      args.every = every;
    }
    if (editing) args.catchUpLimit = editing.catchUpLimit;
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.call('schedules.upsert', args));
    } catch (err) {
      const ui = toUiError(err);
      const field = typeof ui.details?.['field'] === 'string' ? ui.details['field'] : undefined;
      setError({ ...(field ? { field } : {}), text: describeError(ui) });
    } finally {
      setBusy(false);
    }
  };
  const errorFor = (f: string): string | undefined => (error?.field === f ? error.text : undefined);

  return (
    <form
      className="panel form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="schedule-form-title"
      data-testid="schedule-form"
    >
      <h2 id="schedule-form-title">{editing ? `Edit ${editing.queue}/${editing.id}` : 'Add a schedule'}</h2>
      <div className="form-grid">
        <Field label="Queue" testId="schedule-queue">
          {(p) => (
            <select {...p} value={queue} onChange={(e) => setQueue(e.target.value)} disabled={!!editing} data-testid="schedule-queue">
              <QueueOptions names={[...queues.keys()]} />
            </select>
          )}
        </Field>
        <Field label="Id" hint="letters, digits, . _ -; unique in the queue" error={errorFor('id')} testId="schedule-id">
          {(p) => <input {...p} value={id} onChange={(e) => setId(e.target.value)} disabled={!!editing} data-testid="schedule-id" />}
        </Field>
        <Field label="Agent" error={errorFor('agent')} testId="schedule-agent">
          {(p) => <input {...p} value={agent} onChange={(e) => setAgent(e.target.value)} data-testid="schedule-agent" />}
        </Field>
        <Field label="Input (JSON)" error={errorFor('input')} testId="schedule-input">
          {(p) => <input {...p} className="mono" value={input} onChange={(e) => setInput(e.target.value)} data-testid="schedule-input" />}
        </Field>
        <Field label="Runs" testId="schedule-mode">
          {(p) => (
            <select {...p} value={mode} onChange={(e) => setMode(e.target.value as Mode)} data-testid="schedule-mode">
              <option value="cron">on a cron expression</option>
              <option value="every">at an interval</option>
            </select>
          )}
        </Field>
        {mode === 'cron' ? (
          <>
            <Field
              label="Cron"
              hint='5 fields "minute hour day month weekday", or 6 with seconds first'
              error={errorFor('cron')}
              testId="schedule-cron"
            >
              {(p) => <input {...p} className="mono" value={cron} onChange={(e) => setCron(e.target.value)} data-testid="schedule-cron" />}
            </Field>
            <Field label="Time zone" hint="IANA name, e.g. Europe/Berlin (default UTC)" error={errorFor('tz')} testId="schedule-tz">
              {(p) => <input {...p} value={tz} onChange={(e) => setTz(e.target.value)} data-testid="schedule-tz" />}
            </Field>
          </>
        ) : (
          <Field label="Every" hint="30s, 5m, 1h, 1d (at least 1s)" error={errorFor('every')} testId="schedule-every">
            {(p) => <input {...p} value={every} onChange={(e) => setEvery(e.target.value)} data-testid="schedule-every" />}
          </Field>
        )}
        <Field label="Missed ticks" hint="while no worker or serve process ran" testId="schedule-catch-up">
          {(p) => (
            <select
              {...p}
              value={catchUp}
              onChange={(e) => setCatchUp(e.target.value as ScheduleInput['catchUp'])}
              data-testid="schedule-catch-up"
            >
              <option value="skip">skip them</option>
              <option value="once">run once</option>
              <option value="each">run each (latest {editing?.catchUpLimit ?? 10})</option>
            </select>
          )}
        </Field>
      </div>
      {error && !['id', 'agent', 'input', 'cron', 'tz', 'every'].includes(error.field ?? '') ? (
        <div className="error-message" role="alert" data-testid="schedule-form-error">
          {error.text}
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || queue === ''} data-testid="schedule-save">
          {editing ? 'Save' : 'Add schedule'}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel} data-testid="schedule-cancel">
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
