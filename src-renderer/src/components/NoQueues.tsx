import { Cmd } from './Cmd';
import { EmptyState } from './EmptyState';

/** The empty state of views that need a queue: where to make one. */
export function NoQueues() {
  return (
    <EmptyState title="No queues yet" testId="empty-queues">
      Create one in <a href="#/queues">Queues</a>, or run <Cmd>conveyor queue create jobs</Cmd>.
    </EmptyState>
  );
}
