import type { QueueSummary } from '../../../src-shared/contract';
import { VIEW_LABELS, VIEWS, type Route } from '../lib/routes';

/** What a palette entry does: go somewhere, or run a named action. */
export type PaletteAction =
  { kind: 'route'; route: Route; queue?: string; flows?: boolean } | { kind: 'pause' | 'resume'; queue: string } | { kind: 'theme' };

export interface PaletteItem {
  id: string;
  label: string;
  /** Shown to the right: what kind of thing it is. */
  group: 'view' | 'queue' | 'job' | 'action';
  action: PaletteAction;
}

/** Every word of the query appears in the label (case-insensitive): "pau def" finds "Pause default". */
export function matches(label: string, query: string): boolean {
  const l = label.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => l.includes(w));
}

/**
 * The palette's entries for `query`: views, each queue's jobs and its flows, a job by id
 * (typed as `queue/id`, or an id in the current queue), and actions (pause or
 * resume a queue, switch the theme). At most `max`.
 */
export function paletteItems(query: string, queues: readonly QueueSummary[], currentQueue: string | null, max = 12): PaletteItem[] {
  const q = query.trim();
  let job: PaletteItem | undefined;
  if (q !== '') {
    const slash = q.indexOf('/');
    const queueName = slash > 0 ? q.slice(0, slash) : currentQueue;
    const id = slash > 0 ? q.slice(slash + 1) : q;
    if (queueName !== null && id !== '' && !/\s/.test(id) && queues.some((x) => x.name === queueName)) {
      job = {
        id: `job:${queueName}/${id}`,
        label: `Open job ${id} in ${queueName}`,
        group: 'job',
        action: { kind: 'route', route: { view: 'jobs', job: { queue: queueName, id } } },
      };
    }
  }
  const all: PaletteItem[] = [
    ...VIEWS.map((v): PaletteItem => ({
      id: `view:${v}`,
      label: `Go to ${VIEW_LABELS[v]}`,
      group: 'view',
      action: { kind: 'route', route: { view: v } },
    })),
    ...queues.flatMap((x): PaletteItem[] => [
      {
        id: `queue:${x.name}`,
        label: `Jobs of ${x.name}`,
        group: 'queue',
        action: { kind: 'route', route: { view: 'jobs' }, queue: x.name, flows: false },
      },
      {
        id: `flows:${x.name}`,
        label: `Flows of ${x.name}`,
        group: 'queue',
        action: { kind: 'route', route: { view: 'jobs' }, queue: x.name, flows: true },
      },
    ]),
    ...queues.map((x): PaletteItem => ({
      id: `${x.paused ? 'resume' : 'pause'}:${x.name}`,
      label: `${x.paused ? 'Resume' : 'Pause'} ${x.name}`,
      group: 'action',
      action: { kind: x.paused ? 'resume' : 'pause', queue: x.name },
    })),
    { id: 'theme', label: 'Switch light / dark theme', group: 'action', action: { kind: 'theme' } },
  ];
  const found = all.filter((item) => q === '' || matches(item.label, q));
  // "queue/id" asks for a job: first. A bare word is more likely a view or queue name: the job guess comes after those.
  const items = job === undefined ? found : q.includes('/') ? [job, ...found] : [...found, job];
  return items.slice(0, max);
}
