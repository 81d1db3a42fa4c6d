import { memo, useEffect, useState } from 'react';
import type { FlowChildOutcome, FlowSummary } from '../../../../src-shared/contract';
import { useApp, useReader } from '../../app/shell-context';
import { useOfflineReason } from '../../app/use-offline';
import { Badge, type Tone } from '../../components/Badge';
import { Cmd } from '../../components/Cmd';
import { EmptyState } from '../../components/EmptyState';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StateBadge } from '../../components/StateBadge';
import { formatCount, formatTime } from '../../lib/format';
import { jobHref } from '../../lib/routes';
import { FLOW_PAGE_SIZE } from '../../store/slices/flow-list';
import { FlowNodeRow, useFlowTree } from './FlowTreePanel';

const OUTCOMES: ReadonlyArray<{ outcome: FlowChildOutcome; tone: Tone }> = [
  { outcome: 'pending', tone: 'neutral' },
  { outcome: 'completed', tone: 'ok' },
  { outcome: 'dead', tone: 'danger' },
  { outcome: 'cancelled', tone: 'warn' },
  { outcome: 'removed', tone: 'neutral' },
];
const COLUMNS = 5;

/** A parent's children, read when the row is opened and again when its counts or state change. */
function FlowChildren({ flow }: { flow: FlowSummary }) {
  const { queue, id } = flow;
  const { tree, error } = useFlowTree(queue, id, `${flow.state} ${OUTCOMES.map((o) => flow.outcomes[o.outcome]).join(' ')}`);
  if (error) return <p className="muted small">Could not read the children: {error}</p>;
  if (!tree) return <p className="muted small">Reading the children…</p>;
  return (
    <ul className="flow-tree" data-testid="flow-children">
      {tree.children.map((c) => (
        <FlowNodeRow key={`${c.queue}/${c.id}`} node={c} current={{ queue, id }} />
      ))}
    </ul>
  );
}

/** One flow parent: a link to its detail (where its whole tree is), its state, and its children counted by how they ended. */
const FlowRow = memo(function FlowRow({ flow }: { flow: FlowSummary }) {
  const [open, setOpen] = useState(false);
  const detailId = `flow-children-${flow.queue}-${flow.id}`;
  return (
    <>
      <tr data-testid="flow-row" data-job={`${flow.queue}/${flow.id}`}>
        <th scope="row">
          <a href={jobHref(flow.queue, flow.id)} title="Open the job and its flow tree" data-testid="flow-parent-link">
            {flow.id}
          </a>
          {flow.parent ? (
            <span className="muted small">
              {' '}
              in <a href={jobHref(flow.parent.queue, flow.parent.id)}>{`${flow.parent.queue}/${flow.parent.id}`}</a>
            </span>
          ) : null}
        </th>
        <td>
          <StateBadge state={flow.state} testId="flow-state" />
        </td>
        <td data-testid="flow-children-count">{formatCount(flow.children)}</td>
        <td>
          <span className="actions">
            {OUTCOMES.filter((o) => flow.outcomes[o.outcome] > 0).map((o) => (
              <Badge key={o.outcome} tone={o.tone} testId={`flow-outcome-${o.outcome}`}>
                {`${formatCount(flow.outcomes[o.outcome])} ${o.outcome}`}
              </Badge>
            ))}
          </span>
        </td>
        <td>
          <span className="muted small">{formatTime(flow.createdAt)}</span>{' '}
          <button
            type="button"
            className="link"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={() => setOpen(!open)}
            data-testid="flow-expand"
          >
            {open ? 'Hide children' : 'Show children'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr className="flow-detail" id={detailId}>
          <td colSpan={COLUMNS}>
            <FlowChildren flow={flow} />
          </td>
        </tr>
      ) : null}
    </>
  );
});

/**
 * The Jobs view's flows listing (issue #19): the queue's flow parents, those
 * waiting for their children first, each openable inline to its children
 * (with their states, each a link) or as a job with its whole tree.
 */
export function FlowList() {
  const list = useApp((s) => s.flowList);
  const read = useReader();
  const offline = useOfflineReason();
  const { queue, flows, cursor, loaded, loading } = list;
  // A page can come back short (the server looks at a bounded number of jobs per call): go on until it is full.
  const short = loaded && !loading && cursor !== undefined && flows.length < FLOW_PAGE_SIZE;
  useEffect(() => {
    if (short) void read.loadMoreFlows();
  }, [short, cursor, read]);

  if (list.error && flows.length === 0) return <ErrorMessage testId="flows-error">Could not list the flows: {list.error}</ErrorMessage>;
  if (!loaded || (flows.length === 0 && cursor !== undefined)) {
    return (
      <p className="muted" data-testid="flows-loading">
        {offline ?? 'Looking for flows…'}
      </p>
    );
  }
  if (flows.length === 0) {
    return (
      <EmptyState title={`No flows in “${queue ?? ''}”`} testId="flows-empty">
        A flow is a job with children: enqueue one with <Cmd>conveyor flow add flow.json</Cmd>, or from code with <code>enqueueFlow</code>{' '}
        (README “Flows”).
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="flow-list" data-count={flows.length}>
        <thead>
          <tr>
            <th scope="col">Flow parent</th>
            <th scope="col">State</th>
            <th scope="col">Children</th>
            <th scope="col">Children by outcome</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {flows.map((f) => (
            <FlowRow key={`${f.queue}/${f.id}`} flow={f} />
          ))}
        </tbody>
      </table>
      <p className="list-footer muted small" data-testid="flows-footer">
        {`${formatCount(flows.length)} flow ${flows.length === 1 ? 'parent' : 'parents'}: those waiting for their children, then parents among the first 1,000 jobs of each other state.`}
        {cursor !== undefined ? (
          <>
            {' '}
            <button type="button" className="link" onClick={() => void read.loadMoreFlows()} disabled={loading} data-testid="flows-more">
              Look further
            </button>
          </>
        ) : null}
        {list.error ? ` Could not read more: ${list.error}` : ''}
      </p>
    </div>
  );
}
