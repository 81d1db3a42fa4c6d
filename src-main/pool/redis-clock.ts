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

export class RedisClock {
  private samples: Array<{ at: number; bound: number }> = [];

  /** A quick call sent at local `sentAt` saw Redis's clock at `redisNow`. */
  observe(sentAt: number, redisNow: number): void {
    if (!Number.isFinite(redisNow) || redisNow <= 0) return;
    this.samples.push({ at: Date.now(), bound: redisNow - sentAt });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** Redis time minus local time, at most; undefined without a recent observation. */
  get offset(): number | undefined {
    const fresh = Date.now() - SAMPLE_MAX_AGE_MS;
    // An old sample may predate a step of either clock.
    this.samples = this.samples.filter((s) => s.at >= fresh);
    if (this.samples.length === 0) return undefined;
    return Math.min(...this.samples.map((s) => s.bound));
  }

  /** How long until `redisDeadline` (ms since epoch by the Redis clock), at least; undefined when unknown. */
  remainingMs(redisDeadline: number): number | undefined {
    const offset = this.offset;
    return offset === undefined ? undefined : redisDeadline - (Date.now() + offset);
  }
}
