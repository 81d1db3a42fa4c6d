import { Cmd } from '../../components/Cmd';
import { EmptyState } from '../../components/EmptyState';
import { useApp } from '../../app/shell-context';
import { selectQueueNames } from '../../store/selectors';
import { CreateQueueForm } from './CreateQueueForm';
import { QueueRow } from './QueueRow';
import { ViewFrame } from '../../components/ViewFrame';

/** Columns of the queues table; an expanded queue's history row spans them all. */
const COLUMNS = 10;

export function QueuesView() {
  const names = useApp(selectQueueNames);
  const loaded = useApp((s) => s.queuesLoaded);
  return (
    <ViewFrame name="queues" title="Queues">
      {!loaded ? (
        <p className="muted">Loading queues…</p>
      ) : names.length === 0 ? (
        <EmptyState title="No queues yet" testId="empty-queues">
          Create one with the form below, or run <Cmd>conveyor queue create jobs</Cmd>.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="queues-table">
            <caption className="visually-hidden">Queues</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Depth / cap</th>
                <th scope="col">Waiting</th>
                <th scope="col">Delayed</th>
                <th scope="col">Active</th>
                <th scope="col">Completed</th>
                <th scope="col">Dead</th>
                <th scope="col">Cancelled</th>
                <th scope="col">Settings</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {names.map((name) => (
                <QueueRow key={name} name={name} columns={COLUMNS} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateQueueForm />
    </ViewFrame>
  );
}
