/**
 * The Redis server's clock as seen from here. Lease deadlines are Redis
 * times; to judge one locally the pool needs the offset between the clocks.
 * A call sent at local time `sentAt` that reports Redis's "now" bounds it:
 * Redis read its clock after the call was sent, so offset <= redisNow - sentAt.
 * The smallest such bound of recent quick calls is the estimate; it errs
 * on the side of a deadline coming early (a job is dropped, never run late).
 * Blocking calls say nothing useful (their "now" is after the wait) and are
 * not observed.
 */
const SAMPLE_MAX_AGE_MS = 60_000;
const MAX_SAMPLES = 32;

/** The estimate is recomputed at most this often (it is read once per job started). */
const RECOMPUTE_MS = 1000;

export class RedisClock {
  private samples: Array<{ at: number; bound: number }> = [];
  private estimate: { offset: number | undefined; at: number } | undefined;

  /** A quick call sent at local `sentAt` saw Redis's clock at `redisNow`. */
  observe(sentAt: number, redisNow: number): void {
    if (!Number.isFinite(redisNow) || redisNow <= 0) return;
    const bound = redisNow - sentAt;
    this.samples.push({ at: Date.now(), bound });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    if (this.estimate?.offset !== undefined && bound < this.estimate.offset) this.estimate.offset = bound;
    else if (this.estimate?.offset === undefined) this.estimate = undefined;
  }

  /** Redis time minus local time, at most; undefined without a recent observation. */
  get offset(): number | undefined {
    const now = Date.now();
    if (this.estimate && now - this.estimate.at < RECOMPUTE_MS) return this.estimate.offset;
    // An old sample may predate a step of either clock.
    this.samples = this.samples.filter((s) => s.at >= now - SAMPLE_MAX_AGE_MS);
    const offset = this.samples.length === 0 ? undefined : Math.min(...this.samples.map((s) => s.bound));
    this.estimate = { offset, at: now };
    return offset;
  }

  /** How long until `redisDeadline` (ms since epoch by the Redis clock), at least; undefined when unknown. */
  remainingMs(redisDeadline: number): number | undefined {
    const offset = this.offset;
    return offset === undefined ? undefined : redisDeadline - (Date.now() + offset);
  }
}
