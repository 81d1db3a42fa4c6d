import { useState } from 'react';
import { queuedCount, type JobState } from '../../../../src-shared/job';
import { useApi, useApp, useReader } from '../../app/shell-context';
import { useOfflineReason } from '../../app/use-offline';
import { ActionButton } from '../../components/ActionButton';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describeError, toUiError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import type { JobRow } from '../../store/slices/job-row';
import { describeBulk, runBulk, selectIds, selectionRefusal, stateActions, type BulkOp } from './bulk-actions';

/** A bulk action, counted and ready to confirm: it runs on exactly `ids`. */
interface Pending {
  op: BulkOp;
  ids: string[];
  /** "3 selected jobs", "12 waiting jobs of agent “echo”". */
  what: string;
  truncated: boolean;
  clearsSelection: boolean;
}

const VERB: Record<BulkOp, string> = { retry: 'Retry', cancel: 'Cancel', remove: 'Remove' };

const jobs = (n: number): string => `${formatCount(n)} ${n === 1 ? 'job' : 'jobs'}`;

/** Bulk actions on the selection, or on every job the filter selects (state and agent). */
export function BulkBar({ rows }: { rows: readonly JobRow[] }) {
  const api = useApi();
  const read = useReader();
  const filter = useApp((s) => s.jobsFilter);
  const selection = useApp((s) => s.selection);
  const clearSelection = useApp((s) => s.clearSelection);
  const offline = useOfflineReason();
  const stateCount = useApp((s) => {
    const q = filter.queue === null ? undefined : s.queues.get(filter.queue);
    if (!q || filter.state === 'all') return undefined;
    return filter.state === 'waiting' ? queuedCount(q.counts) : q.counts[filter.state];
  });
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const queue = filter.queue;
  if (queue === null) return null;
  const wholeState = filter.state !== 'all' && filter.search.trim() === '' ? filter.state : null;
  const selectedStates = rows.filter((r) => selection.has(r.id)).map((r) => r.state);

  const run = async (p: Pending): Promise<void> => {
    setPending(null);
    setBusy(`${VERB[p.op]}ing ${p.what}…`);
    setResult(null);
    try {
      const r = await runBulk(api, p.op, queue, p.ids);
      setResult({ ok: r.failed.length === 0, text: describeBulk(p.op, r) });
      if (p.clearsSelection) clearSelection();
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      setBusy(null);
      void read.jobList();
      void read.queues();
    }
  };

  const askSelection = (op: BulkOp): void => {
    const ids = rows.filter((r) => selection.has(r.id)).map((r) => r.id);
    const p: Pending = {
      op,
      ids,
      what: `${formatCount(ids.length)} selected ${ids.length === 1 ? 'job' : 'jobs'}`,
      truncated: false,
      clearsSelection: true,
    };
    if (op === 'retry') void run(p);
    else setPending(p);
  };

  /** Counts first: the dialog names how many jobs the action will touch, and it touches those. */
  const askState = async (op: BulkOp, state: JobState): Promise<void> => {
    setBusy('Counting…');
    setResult(null);
    try {
      const { ids, truncated } = await selectIds(api, queue, state, filter.agent);
      const agent = filter.agent === null ? '' : ` of agent “${filter.agent}”`;
      if (ids.length === 0) setResult({ ok: true, text: `No ${state} jobs${agent} to ${VERB[op].toLowerCase()}.` });
      else
        setPending({
          op,
          ids,
          what: `${formatCount(ids.length)} ${state} ${ids.length === 1 ? 'job' : 'jobs'}${agent}`,
          truncated,
          clearsSelection: false,
        });
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      setBusy(null);
    }
  };

  const selectionReason = (op: BulkOp): string | undefined => offline ?? selectionRefusal(op, selectedStates);

  return (
    <div className="toolbar bulk-bar" data-testid="bulk-bar">
      <span className="muted" data-testid="selection-count">
        {formatCount(selection.size)} selected
      </span>
      {(['retry', 'cancel', 'remove'] as const).map((op) => (
        <ActionButton
          key={op}
          className={op === 'remove' ? 'danger' : undefined}
          disabled={busy !== null || selection.size === 0}
          disabledReason={selection.size === 0 ? undefined : selectionReason(op)}
          onClick={() => askSelection(op)}
          data-testid={`bulk-${op}`}
        >
          {VERB[op]} selected
        </ActionButton>
      ))}
      {selection.size > 0 ? (
        <button type="button" className="link" onClick={clearSelection} data-testid="bulk-clear">
          Clear selection
        </button>
      ) : null}
      {wholeState ? (
        <span className="bulk-state">
          {stateActions(wholeState).map((op) => (
            <ActionButton
              key={op}
              className={op === 'remove' ? 'danger' : undefined}
              disabled={busy !== null}
              disabledReason={offline ?? (stateCount === 0 ? `there are no ${wholeState} jobs` : undefined)}
              onClick={() => void askState(op, wholeState)}
              data-testid={`state-${op}-all`}
            >
              {VERB[op]} all {wholeState}
              {filter.agent === null ? '' : ` ${filter.agent}`}
            </ActionButton>
          ))}
        </span>
      ) : null}
      {busy !== null ? (
        <span role="status" className="muted" data-testid="bulk-busy">
          {busy}
        </span>
      ) : null}
      {result ? (
        <span role={result.ok ? 'status' : 'alert'} className={result.ok ? 'ok-text' : 'error-text'} data-testid="bulk-result">
          {result.text}
        </span>
      ) : null}
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${VERB[pending.op]} ${pending.what} in “${queue}”?` : ''}
        confirmLabel={pending ? `${VERB[pending.op]} ${jobs(pending.ids.length)}` : 'OK'}
        danger={pending?.op === 'remove'}
        onConfirm={() => pending && void run(pending)}
        onCancel={() => setPending(null)}
      >
        {pending?.truncated ? `Only the first ${jobs(pending.ids.length)} are included; run it again for the rest. ` : ''}
        {pending?.op === 'remove'
          ? 'Removed jobs are gone for good. Jobs that arrive meanwhile are not touched.'
          : pending?.op === 'cancel'
            ? 'Running jobs are asked to stop; waiting ones will not run. Jobs that arrive meanwhile are not touched.'
            : 'Jobs that arrive meanwhile are not touched.'}
      </ConfirmDialog>
    </div>
  );
}
