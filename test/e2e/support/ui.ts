/**
 * What a person does in the control center, as steps the feature tests share.
 * Every step goes through the UI (sidebar links, forms, buttons) and waits on
 * what the page shows, never on time.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';

/** Opens the control center at `url` and waits until it is connected and its local pool runs. */
export async function openControlCenter(page: Page, url: string, concurrency: number): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('connection-state')).toHaveText('connected');
  // The local pool starts once Redis answers: tests enqueue only after it runs.
  await expect(page.getByTestId('status-pool')).toContainText(`local pool 1×${concurrency}`);
}

export type ViewName = 'overview' | 'queues' | 'jobs' | 'enqueue' | 'workers' | 'limits' | 'config';

/** Clicks the sidebar link and waits for the view. */
export async function openView(page: Page, view: ViewName): Promise<void> {
  await page.getByTestId(`nav-${view}`).click();
  await expect(page.getByTestId(`view-${view}`)).toBeVisible();
}

/**
 * A screenshot `<name>.png` in the test's output folder. The views scroll
 * inside the shell, so `show` (what the picture is about) is scrolled into view first.
 */
export async function screenshot(page: Page, name: string, show?: Locator): Promise<void> {
  if (show) await show.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

export interface EnqueueInput {
  queue: string;
  agent: string;
  /** A string is sent as text; anything else as JSON. */
  input: unknown;
}

/** Fills and submits the Enqueue view's single-job form; leaves the outcome on screen. */
export async function submitEnqueue(page: Page, { queue, agent, input }: EnqueueInput): Promise<void> {
  await openView(page, 'enqueue');
  const queueSelect = page.getByTestId('enqueue-queue');
  // Queues made by a pool or the CLI show up on the next poll.
  await expect(queueSelect.locator(`option[value="${queue}"]`)).toHaveCount(1);
  await queueSelect.selectOption(queue);
  const agentSelect = page.getByTestId('enqueue-agent');
  await expect(agentSelect.locator(`option[value="${agent}"]`)).toHaveCount(1);
  await agentSelect.selectOption(agent);
  if (typeof input === 'string') {
    await page.getByTestId('enqueue-mode-text').check();
    await page.getByTestId('enqueue-input').fill(input);
  } else {
    await page.getByTestId('enqueue-mode-json').check();
    await page.getByTestId('enqueue-input').fill(JSON.stringify(input));
  }
  await page.getByTestId('enqueue-submit').click();
}

/** Enqueues one job through the form and returns its id. */
export async function enqueueThroughForm(page: Page, job: EnqueueInput): Promise<string> {
  await submitEnqueue(page, job);
  const id = page.getByTestId('enqueue-result-id');
  await expect(id).toBeVisible();
  return (await id.textContent()) ?? '';
}

export interface QueueFormInput {
  name: string;
  cap?: number;
  maxRetries?: number;
  backoff?: { type: 'fixed' | 'exponential'; delayMs: number };
}

/** Creates (or updates) a queue with the Queues view's form. */
export async function createQueueThroughForm(page: Page, q: QueueFormInput): Promise<void> {
  await openView(page, 'queues');
  const form = page.getByTestId('create-queue-form');
  await form.getByTestId('queue-name-input').fill(q.name);
  if (q.cap !== undefined) await form.getByTestId('queue-cap-input').fill(String(q.cap));
  if (q.maxRetries !== undefined) await form.getByTestId('queue-retries-input').fill(String(q.maxRetries));
  if (q.backoff) {
    await form.getByTestId('queue-backoff-type-input').selectOption(q.backoff.type);
    await form.getByTestId('queue-backoff-delay-input').fill(String(q.backoff.delayMs));
  }
  await form.getByTestId('create-queue-submit').click();
  await expect(form.getByTestId('create-queue-result')).toContainText(`Queue “${q.name}” is ready`);
}

export function queueRow(page: Page, queue: string): Locator {
  return page.locator(`[data-testid="queue-row"][data-queue="${queue}"]`);
}

/** The Jobs view on `queue`, with the state filter `state` (default: all, the live list). */
export async function showJobs(page: Page, queue: string, state = 'all'): Promise<void> {
  await openView(page, 'jobs');
  const select = page.getByTestId('jobs-queue-select');
  await expect(select.locator(`option[value="${queue}"]`)).toHaveCount(1);
  await select.selectOption(queue);
  await page.getByTestId(`state-filter-${state}`).click();
  await expect(page.getByTestId(`state-filter-${state}`)).toHaveAttribute('aria-checked', 'true');
}

export function jobRow(page: Page, id: string): Locator {
  return page.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
}
