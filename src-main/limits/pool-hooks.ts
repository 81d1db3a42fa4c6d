import type { PoolContext } from '../pool/pool-context';

/**
 * Debits what a run reported with ctx.cost from its queue's and group's
 * points (issue #18). Sent before the job's acknowledgement on the same
 * connection, so it runs while the attempt still holds its lease; a failure
 * is reported, never thrown: the job's outcome does not depend on it.
 */
export function chargeCost(ctx: PoolContext, job: { queue: string; id: string; token: string }, cost: number): void {
  if (!(cost > 0)) return;
  void ctx.adapter.limits.charge(job.queue, [{ id: job.id, token: job.token, cost }]).catch((err: unknown) => ctx.report(err));
}
