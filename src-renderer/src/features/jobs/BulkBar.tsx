import { useState } from 'react';
import type { JobState } from '../../../../src-shared/job';
import { useApi, useApp, useReader } from '../../app/shell-context';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describeError, toUiError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import { describeBulk, idsInState, runBulk, stateActions, type BulkOp } from './bulk-actions';

type Pending = { kind: 'selection'; op: BulkOp } | { kind: 'state'; op: BulkOp; state: JobState };

const VERB: Record<BulkOp, string> = { retry: 'Retry', cancel: 'Cancel', remove: 'Remove' };

/** Bulk actions on the selection, or on every job of the state in view. */
export function BulkBar() {
  const api = useApi();
  const read = useReader();
  const filter = useApp((s) => s.jobsFilter);
  const selection = useApp((s) => s.selection);
  const clearSelection = useApp((s) => s.clearSelection);
  const stateCount = useApp((s) => {
    const q = filter.queue === null ? undefined : s.queues.get(filter.queue);
    if (!q || filter.state === 'all') return undefined;
    return filter.state === 'waiting' ? q.counts.waiting + q.counts.paused : q.counts[filter.state];
  });
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const queue = filter.queue;
  if (queue === null) return null;
  const wholeState = filter.state !== 'all' && filter.search.trim() === '' ? filter.state : null;

  const run = async (p: Pending): Promise<void> => {
    setPending(null);
    setBusy(true);
    setResult(null);
    try {
      if (p.kind === 'state' && p.op === 'retry' && (p.state === 'dead' || p.state === 'cancelled')) {
        const { moved } = await api.call('jobs.retryAll', { queue, state: p.state });
        setResult({ ok: true, text: `Retried ${formatCount(moved)} ${p.state} ${moved === 1 ? 'job' : 'jobs'}.` });
      } else {
        const ids = p.kind === 'selection' ? [...selection] : await idsInState(api, queue, p.state);
        const r = await runBulk(api, p.op, queue, ids);
        setResult({ ok: r.failed.length === 0, text: describeBulk(p.op, r) });
        if (p.kind === 'selection') clearSelection();
      }
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      setBusy(false);
      void read.jobList();
      void read.queues();
    }
  };

  const confirmText = (p: Pending): string => {
    const n = p.kind === 'selection' ? selection.size : stateCount;
    const what = p.kind === 'selection' ? `${formatCount(selection.size)} selected ${selection.size === 1 ? 'job' : 'jobs'}` : `all ${n === undefined ? '' : `${formatCount(n)} `}${p.state} jobs`;
    return `${VERB[p.op]} ${what} in “${queue}”?`;
  };

  return (
    <div className="toolbar bulk-bar" data-testid="bulk-bar">
      <span className="muted" data-testid="selection-count">
        {formatCount(selection.size)} selected
      </span>
      {(['retry', 'cancel', 'remove'] as const).map((op) => (
        <button
          key={op}
          type="button"
          className={op === 'remove' ? 'danger' : undefined}
          disabled={busy || selection.size === 0}
          onClick={() => (op === 'retry' ? void run({ kind: 'selection', op }) : setPending({ kind: 'selection', op }))}
          data-testid={`bulk-${op}`}
        >
          {VERB[op]} selected
        </button>
      ))}
      {selection.size > 0 ? (
        <button type="button" className="link" onClick={clearSelection} data-testid="bulk-clear">
          Clear selection
        </button>
      ) : null}
      {wholeState ? (
        <span className="bulk-state">
          {stateActions(wholeState).map((op) => (
            <button
              key={op}
              type="button"
              className={op === 'remove' ? 'danger' : undefined}
              disabled={busy || stateCount === 0}
              onClick={() => setPending({ kind: 'state', op, state: wholeState })}
              data-testid={`state-${op}-all`}
            >
              {VERB[op]} all {wholeState}
            </button>
          ))}
        </span>
      ) : null}
      {busy ? <span role="status" className="muted">Working…</span> : null}
      {result ? (
        <span role={result.ok ? 'status' : 'alert'} className={result.ok ? 'ok-text' : 'error-text'} data-testid="bulk-result">
          {result.text}
        </span>
      ) : null}
      <ConfirmDialog
        open={pending !== null}
        title={pending ? confirmText(pending) : ''}
        confirmLabel={pending ? VERB[pending.op] : 'OK'}
        danger={pending?.op === 'remove'}
        onConfirm={() => pending && void run(pending)}
        onCancel={() => setPending(null)}
      >
        {pending?.op === 'remove' ? 'Removed jobs are gone for good.' : pending?.op === 'cancel' ? 'Running jobs are asked to stop; waiting ones will not run.' : null}
      </ConfirmDialog>
    </div>
  );
}
