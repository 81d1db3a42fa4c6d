/**
 * The measurements of features only some systems have: limits (issue 18),
 * flows (issue 19) and the Redis cost of each script (issues 15 and 21). Each
 * runs for the contenders that have the feature, interleaved like the rest.
 */
import { consumeAll, drained } from './consume';
import { BATCH, CONSUMER_BATCH, type BenchLimit, type Contender, type Feature } from './contender';
import { latencyStats } from './latency';
import type { Measurement, Variant } from './measurements';
import type { ScriptCost } from './redis-cpu-per-job';

/** Issue 18's "a limit set far above the achieved rate": no run comes near a million jobs/s or 100,000 at once. */
export const FAR_LIMIT: BenchLimit = { rate: '1000000/s', burst: 1000, concurrency: 100_000 };
/** Groups the `groups` variant spreads its jobs over, round-robin. */
export const LIMIT_GROUPS = 10;
/** The limits variants, by key: the report compares the others with `none`. */
export const LIMIT_VARIANTS = { none: 'none', limit: 'limit', groups: 'groups' } as const;

/** Children of the resume measurement's fan-out (issue 19), and of each flow of the throughput one. */
export const FLOW_FAN_OUT = 1_000;
export const FLOW_CHILDREN = 10;
/** The resume variant runs one fan-out per this many flows of the throughput variant (15 at the default 300). */
const RESUME_PER_FLOWS = 20;

/** Jobs per call of the scripts measurement; each of its rounds is max(batch, 1,000) jobs. */
export const SCRIPT_BATCHES = [1, BATCH] as const;
const SCRIPT_ROUND_JOBS = 1_000;

const has = (c: Contender, f: Feature): boolean => c.features?.includes(f) ?? false;

const lacks = (what: string): Error => new Error(`this contender's session has no ${what}`);

export const LIMITS: Measurement = {
  key: 'limits',
  title: `end to end, echo jobs, C=${CONSUMER_BATCH}, with limits far above the achieved rate`,
  kind: 'limits',
  defaultJobs: 20_000,
  quickJobs: 2_000,
  warmupJobs: 1_000,
  defaultRuns: 3,
  variants: (c) => {
    if (!has(c, 'limits')) return [];
    const s = c.curveSetup(CONSUMER_BATCH);
    const v = (key: string, label: string, limited: boolean, groups: number): Variant => ({
      key,
      label: `${s.label} · ${label}`,
      setup: s.key,
      limited,
      groups,
    });
    return [
      v(LIMIT_VARIANTS.none, 'no limit', false, 0),
      v(LIMIT_VARIANTS.limit, 'queue limit far above', true, 0),
      v(LIMIT_VARIANTS.groups, `${LIMIT_GROUPS} groups, limits far above`, true, LIMIT_GROUPS),
    ];
  },
  prepare: async ({ session, variant, jobs }) => {
    const groups = variant.groups ?? 0;
    if (variant.limited) {
      if (!session.setLimit) throw lacks('setLimit');
      await session.setLimit(FAR_LIMIT, groups > 0);
    }
    if (groups === 0) await session.enqueueBulk(jobs);
    else if (!session.enqueueBulkInGroups) throw lacks('enqueueBulkInGroups');
    else await session.enqueueBulkInGroups(jobs, groups);
    const c = await consumeAll(session, variant.setup ?? variant.key, jobs);
    return { timed: c.run, finish: async () => ({ startupMs: c.startupMs() }), expected: drained() };
  },
};

export const FLOWS: Measurement = {
  key: 'flows',
  title: 'flows: a parent and its children on two queues',
  kind: 'flows',
  // Flows, not jobs: the throughput variant runs this many flows, the resume variant a twentieth as many fan-outs.
  defaultJobs: 300,
  quickJobs: 40,
  warmupJobs: 20,
  defaultRuns: 3,
  variants: (c) =>
    has(c, 'flows')
      ? [
          {
            key: `resume-${FLOW_FAN_OUT}`,
            label: `fan-out of ${FLOW_FAN_OUT.toLocaleString('en-US')}: last child acknowledged → parent started`,
            resume: true,
            children: FLOW_FAN_OUT,
            jobsShare: 1 / RESUME_PER_FLOWS,
          },
          {
            key: `flows-${FLOW_CHILDREN}`,
            label: `flows of 1 parent + ${FLOW_CHILDREN} children, consumers at C=${CONSUMER_BATCH}`,
            children: FLOW_CHILDREN,
          },
        ]
      : [],
  prepare: async ({ session, variant, jobs }) => {
    if (!session.flows) throw lacks('flows');
    const flows = session.flows();
    const children = variant.children ?? FLOW_CHILDREN;
    if (!variant.resume) return { timed: await flows.prepareThroughput(jobs, children), expected: drained() };
    const run = await flows.prepareResume(jobs, children);
    let samples: number[] = [];
    return {
      timed: async () => {
        samples = await run();
      },
      finish: async () => ({ latency: latencyStats(samples) }),
      expected: drained(),
    };
  },
};

export const SCRIPTS: Measurement = {
  key: 'scripts',
  title: 'Redis cost per job by script',
  kind: 'scripts',
  // Jobs per step at each batch size, in rounds of 1,000 (measureScriptCost's).
  defaultJobs: 3_000,
  quickJobs: 1_000,
  warmupJobs: 0,
  defaultRuns: 3,
  variants: (c) =>
    c.name === 'conveyor'
      ? SCRIPT_BATCHES.map((b) => ({
          key: `batch-${b}`,
          label: `${b.toLocaleString('en-US')} job${b === 1 ? '' : 's'} per call`,
          batch: b,
        }))
      : [],
  prepare: async ({ redisUrl, variant, jobs }) => {
    const batch = variant.batch ?? BATCH;
    const rounds = Math.max(1, Math.round(jobs / Math.max(batch, SCRIPT_ROUND_JOBS)));
    // Loaded when first measured: whatever the module sets up on import stays out of the other measurements.
    const { measureScriptCost } = await import('./redis-cpu-per-job');
    let cost: ScriptCost | undefined;
    return {
      // Its own queue and connections; the session's queue stays empty.
      timed: async () => {
        cost = await measureScriptCost(redisUrl, { batch, rounds });
      },
      finish: async () => (cost ? { scripts: cost } : {}),
      expected: drained(),
    };
  },
};
