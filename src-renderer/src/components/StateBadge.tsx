import type { JobState } from '../../../src-shared/job';
import { Badge, type Tone } from './Badge';

const TONE: Record<JobState, Tone> = {
  waiting: 'neutral',
  delayed: 'info',
  active: 'info',
  completed: 'ok',
  dead: 'danger',
  cancelled: 'warn',
  'waiting-children': 'neutral',
};

export function StateBadge({ state, testId = 'job-state' }: { state: JobState; testId?: string }) {
  return (
    <Badge tone={TONE[state]} testId={testId}>
      {state}
    </Badge>
  );
}
