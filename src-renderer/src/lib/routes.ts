/**
 * Views and their hash routes (`#/jobs`, `#/jobs/<queue>/<id>`): the hash
 * works under Electron's file:// as well as in the browser, survives a reload
 * and lets an end-to-end test open a view directly.
 */

export const VIEWS = ['overview', 'queues', 'jobs', 'enqueue', 'workers', 'schedules', 'limits', 'config'] as const;
export type ViewId = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<ViewId, string> = {
  overview: 'Overview',
  queues: 'Queues',
  jobs: 'Jobs',
  enqueue: 'Enqueue',
  workers: 'Workers',
  limits: 'Limits',
  config: 'Config',
  schedules: 'Schedules',
};

export type Route = { view: Exclude<ViewId, 'jobs'> } | { view: 'jobs'; job?: { queue: string; id: string } };

export const DEFAULT_ROUTE: Route = { view: 'overview' };

function isView(v: string): v is ViewId {
  return (VIEWS as readonly string[]).includes(v);
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '');
  const [view, queue, id] = parts;
  if (view === undefined || !isView(view)) return DEFAULT_ROUTE;
  if (view === 'jobs') {
    const q = queue === undefined ? undefined : decode(queue);
    const j = id === undefined ? undefined : decode(parts.slice(2).join('/'));
    return q !== undefined && j !== undefined && j !== '' ? { view, job: { queue: q, id: j } } : { view };
  }
  return { view };
}

export function formatRoute(route: Route): string {
  if (route.view === 'jobs' && route.job) {
    return `#/jobs/${encodeURIComponent(route.job.queue)}/${encodeURIComponent(route.job.id)}`;
  }
  return `#/${route.view}`;
}

export function jobHref(queue: string, id: string): string {
  return formatRoute({ view: 'jobs', job: { queue, id } });
}

export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}
