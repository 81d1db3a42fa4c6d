import { groupedWaiting } from '../limits/grouped-waiting';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { JobPage, JobRecord, JobState, QueueCounts } from '../../src-shared/job';
import { JOB_STATES } from '../../src-shared/job';
import { decodeJob } from './job-codec';
import type { QueueContext } from './queue-context';

/** Ids read per state when searching, and jobs read per pipeline. */
const SCAN_PER_STATE = 10_000;
const SEARCH_CHUNK = 500;

/**
 * Reads: one job, a page of a state, counts, and search. Pipelined, never a
 * script; a queue key of the wrong type is set aside and the read made again
 * (QueueContext.read), a job key of the wrong type reads as a malformed record.
 */
export class Reads {
  /** Index entries already reported as pointing at no usable job, so each is logged once. */
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: QueueContext) {}

  private skip(queue: string, id: string, why: string): void {
    const key = `${queue}\u0000${id}`;
    if (this.reported.has(key)) return;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.add(key);
    this.ctx.log(`[conveyor] queue "${queue}": job ${id} is listed but ${why}; skipped`);
  }

  async getJob<P = unknown>(queue: string, id: string): Promise<JobRecord<P> | null> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const [hash, logs] = await this.ctx.conn.io(async () => {
      const res = (await client.pipeline().hgetall(q.job(id)).lrange(q.logs(id), 0, -1).exec()) ?? [];
      const [hashErr, hashVal] = res[0] ?? [null, {}];
      if (hashErr) {
        // Not a hash: report it as malformed rather than failing the read.
        return [{ state: 'dead', why: 'malformed', err: `job key is not a hash: ${hashErr.message}` }, []] as const;
      }
      return [hashVal as Record<string, string>, (res[1]?.[1] as string[] | undefined) ?? []] as const;
    });
    return decodeJob(queue, id, { ...hash }, [...logs]) as JobRecord<P> | null;
  }

  /** The jobs of `ids` that exist and are hashes, in order. */
  async getJobs<P>(queue: string, ids: string[]): Promise<JobRecord<P>[]> {
    if (ids.length === 0) return [];
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const res = await this.ctx.conn.io(async () => {
      const pipe = client.pipeline();
      for (const id of ids) pipe.hgetall(q.job(id));
      return (await pipe.exec()) ?? [];
    });
    const jobs: JobRecord<P>[] = [];
    ids.forEach((id, i) => {
      const [err, hash] = res[i] ?? [null, {}];
      const job = err ? null : decodeJob(queue, id, hash as Record<string, string>);
      if (job) jobs.push(job as JobRecord<P>);
      else this.skip(queue, id, err ? 'its key is not a hash' : 'has no job hash');
    });
    return jobs;
  }

  async listJobs<P = unknown>(queue: string, state: JobState, opts: { cursor?: string; limit?: number } = {}): Promise<JobPage<P>> {
    if (!(JOB_STATES as readonly string[]).includes(state)) {
      throw new ConveyorError(ErrorCode.ItemInvalid, `unknown state "${state}"; one of ${JOB_STATES.join(', ')}`);
    }
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 1000);
    const offset = Math.max(Number(opts.cursor ?? 0) || 0, 0);
    const key = q.key(state === 'waiting' ? 'wait' : state === 'waiting-children' ? 'waitchildren' : state);
    const newestFirst = state === 'completed' || state === 'dead' || state === 'cancelled';
    const ids = await this.ctx.read(q, () =>
      newestFirst ? client.zrevrange(key, offset, offset + limit) : client.zrange(key, offset, offset + limit),
    );
    const page: JobPage<P> = { jobs: await this.getJobs<P>(queue, ids.slice(0, limit)) };
    if (ids.length > limit) page.cursor = String(offset + limit);
    return page;
  }

  async counts(queue: string): Promise<QueueCounts> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const res = await this.ctx.read(q, async () => {
      const pipe = client.pipeline();
      for (const t of ['wait', 'delayed', 'active', 'completed', 'dead', 'cancelled'] as const) pipe.zcard(q.key(t));
      pipe.hget(q.key('meta'), 'paused');
      pipe.zcard(q.key('waitchildren'));
      const replies = (await pipe.exec()) ?? [];
      // A key of the wrong type: fail the read, so it is set aside and counted again.
      const failed = replies.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      return replies;
    });
    // Jobs of a group wait in their group's set (issue #18).
    const grouped = await this.ctx.read(q, () => groupedWaiting(client, q));
    const n = (i: number): number => Number(res[i]?.[1] ?? 0) + (i === 0 ? grouped : 0);
    const paused = res[6]?.[1] === '1';
    return {
      waiting: paused ? 0 : n(0),
      delayed: n(1),
      active: n(2),
      completed: n(3),
      dead: n(4),
      cancelled: n(5),
      paused: paused ? n(0) : 0,
      'waiting-children': n(7),
    };
  }

  /** Case-insensitive substring search over id, agent, payload and error text; newest states first. */
  async search<P = unknown>(queue: string, text: string, opts: { limit?: number } = {}): Promise<JobRecord<P>[]> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const needle = text.toLowerCase();
    const limit = opts.limit ?? 100;
    const found: string[] = [];
    for (const t of ['active', 'wait', 'delayed', 'dead', 'completed', 'cancelled'] as const) {
      const ids = await this.ctx.read(q, () => client.zrevrange(q.key(t), 0, SCAN_PER_STATE - 1));
      for (let i = 0; i < ids.length && found.length < limit; i += SEARCH_CHUNK) {
        const chunk = ids.slice(i, i + SEARCH_CHUNK);
        const res = await this.ctx.conn.io(async () => {
          const pipe = client.pipeline();
          for (const id of chunk) pipe.hmget(q.job(id), 'src', 'dst', 'pl', 'err');
          return (await pipe.exec()) ?? [];
        });
        chunk.forEach((id, j) => {
          const fields = (res[j]?.[1] as Array<string | null> | undefined) ?? [];
          const haystack = [id, ...fields].filter(Boolean).join('\n').toLowerCase();
          if (found.length < limit && haystack.includes(needle)) found.push(id);
        });
      }
      if (found.length >= limit) break;
    }
    return this.getJobs<P>(queue, found);
  }
}
