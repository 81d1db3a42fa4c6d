/** `conveyor limit set|ls|rm <queue>`: rate, concurrency and points limits of a queue and its groups (issue #18). */
import type { Command } from 'commander';
import type { LimitSpec, LimitState } from '../../../src-shared/limits-schema';
import type { CommandDeps } from './command-context';

interface SetOptions {
  group?: string;
  rate?: string;
  burst?: string;
  concurrency?: string;
  points?: string;
}

/** A whole number option as given, or the text itself so the schema names it in its error. */
function count(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}

function describeSpec(spec: LimitSpec): string {
  const parts: string[] = [];
  if (spec.rate) parts.push(`rate ${spec.rate}${spec.burst ? ` (burst ${spec.burst})` : ''}`);
  else if (spec.burst) parts.push(`burst ${spec.burst}`);
  if (spec.concurrency) parts.push(`concurrency ${spec.concurrency}`);
  if (spec.points) parts.push(`points ${spec.points}`);
  return parts.length > 0 ? parts.join(', ') : 'default';
}

function describeState(s: LimitState, now: number): string {
  const parts = [`active ${s.active}${s.spec.concurrency ? `/${s.spec.concurrency}` : ''}`];
  if (s.waiting !== undefined) parts.push(`waiting ${s.waiting}`);
  if (s.pointsUsed !== undefined) parts.push(`points used ${s.pointsUsed}`);
  if (s.nextAllowedAt !== undefined) parts.push(`next start in ${s.nextAllowedAt - now} ms`);
  if (s.pausedUntil !== undefined) parts.push(`paused ${s.pausedUntil - now} ms more (429)`);
  return parts.join(', ');
}

export function registerLimitCommands(program: Command, { io, context }: CommandDeps): void {
  const say = (line: string): void => void io.stdout.write(`${line}\n`);
  const limit = program
    .command('limit')
    .description('rate, concurrency and points limits of a queue and its groups, obeyed by every worker at its next lease');
  const target = (group: string | undefined): string =>
    group === undefined ? 'queue' : group === '*' ? 'every group (default)' : `group ${group}`;

  limit
    .command('set')
    .description('set limits (fields not given keep their value)')
    .argument('<queue>', 'queue name')
    .option('--group <group>', "one group's limit, or '*' for every group's default (else the queue's own)")
    .option('--rate <N/window>', 'jobs started per window: 10/s, 600/m, 100/10s (GCRA)')
    .option('--burst <n>', 'jobs the rate lets start at once after a quiet spell (default 1)')
    .option('--concurrency <n>', 'jobs active at once, across every worker')
    .option('--points <N/window>', 'cost budget per window (e.g. LLM tokens: 200000/m)')
    .action(async (queue: string, opts: SetOptions, cmd: Command) => {
      const spec: Record<string, unknown> = {};
      if (opts.rate !== undefined) spec.rate = opts.rate;
      if (opts.burst !== undefined) spec.burst = count(opts.burst);
      if (opts.concurrency !== undefined) spec.concurrency = count(opts.concurrency);
      if (opts.points !== undefined) spec.points = opts.points;
      await context(cmd).withAdapter((adapter) => adapter.limits.set(queue, spec, opts.group));
      say(`queue ${queue}, ${target(opts.group)}: limits set`);
    });

  limit
    .command('ls')
    .description("a queue's limits and their state now")
    .argument('<queue>', 'queue name')
    .option('--json', 'print JSON')
    .action(async (queue: string, opts: { json?: boolean }, cmd: Command) => {
      const view = await context(cmd).withAdapter((adapter) => adapter.limits.list(queue));
      if (opts.json) {
        say(JSON.stringify(view, null, 2));
        return;
      }
      if (view.limits.length === 0 && view.groups.length === 0) {
        say(`queue ${queue}: no limits`);
        return;
      }
      for (const s of [...view.limits, ...view.groups]) {
        say(
          `${s.group === undefined ? '(queue)' : s.group === '*' ? '* (every group)' : s.group}\t${describeSpec(s.spec)}\t${describeState(s, view.now)}`,
        );
      }
    });

  limit
    .command('rm')
    .description("remove limits (the queue's own, or one group's with --group)")
    .argument('<queue>', 'queue name')
    .option('--group <group>', "one group's limit, or '*' for every group's default")
    .action(async (queue: string, opts: { group?: string }, cmd: Command) => {
      await context(cmd).withAdapter((adapter) => adapter.limits.remove(queue, opts.group));
      say(`queue ${queue}, ${target(opts.group)}: limits removed`);
    });
}
