import { useEffect, useState } from 'react';
import type { FlowTreeView } from '../../../../src-shared/contract';
import { useApi } from '../../app/shell-context';
import { StateBadge } from '../../components/StateBadge';
import { describeError, toUiError } from '../../lib/errors';
import { jobHref } from '../../lib/routes';

/** One job of the tree: a link to its detail, its state, and how its parent recorded it. */
export function FlowNodeRow({ node, current }: { node: FlowTreeView; current: { queue: string; id: string } }) {
  const here = node.queue === current.queue && node.id === current.id;
  return (
    <li data-testid="flow-node" data-job={`${node.queue}/${node.id}`}>
      {here ? <strong>{`${node.queue}/${node.id}`}</strong> : <a href={jobHref(node.queue, node.id)}>{`${node.queue}/${node.id}`}</a>}{' '}
      {node.state ? <StateBadge state={node.state} testId="flow-node-state" /> : <span className="muted">gone</span>}
      {node.outcome && node.outcome !== 'pending' && node.outcome !== node.state ? (
        <span className="muted"> · recorded {node.outcome}</span>
      ) : null}
      {node.policy && node.policy !== 'fail' ? <span className="muted"> · on failure: {node.policy}</span> : null}
      {node.children.length > 0 ? (
        <ul className="flow-children">
          {node.children.map((c) => (
            <FlowNodeRow key={`${c.queue}/${c.id}`} node={c} current={current} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The flow tree under a job (`flows.tree`), read again whenever `version` changes (the job's state, its children's counts). */
export function useFlowTree(queue: string, id: string, version: string): { tree: FlowTreeView | null; error: string | null } {
  const api = useApi();
  const [tree, setTree] = useState<FlowTreeView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('flows.tree', { queue, id }).then(
      (t) => live && (setTree(t), setError(null)),
      (err: unknown) => live && setError(describeError(toUiError(err))),
    );
    return () => {
      live = false;
    };
  }, [api, queue, id, version]);
  return { tree, error };
}

/**
 * A job's flow (README "Flows"): its parent, if any, and the tree of its
 * children with their states, each linking to its own detail. Shows nothing
 * for a job that is not part of a flow. Read again when the job's state changes.
 */
export function FlowTreePanel({ queue, id, state }: { queue: string; id: string; state: string }) {
  const { tree, error } = useFlowTree(queue, id, state);
  if (error)
    return (
      <p className="muted small" data-testid="flow-tree-error">
        Could not read the flow: {error}
      </p>
    );
  if (!tree || (!tree.parent && tree.children.length === 0)) return null;
  return (
    <section className="panel" aria-labelledby="job-flow-title" data-testid="flow-tree">
      <h2 id="job-flow-title">Flow</h2>
      {tree.parent ? (
        <p data-testid="flow-parent">
          Parent: <a href={jobHref(tree.parent.queue, tree.parent.id)}>{`${tree.parent.queue}/${tree.parent.id}`}</a>
        </p>
      ) : null}
      <ul className="flow-tree">
        <FlowNodeRow node={tree} current={{ queue, id }} />
      </ul>
    </section>
  );
}
