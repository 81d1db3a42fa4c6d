import type { LimitsConfig } from '../../src-shared/limits-schema';
import { DEFAULT_GROUP } from '../../src-shared/limits-schema';
import type { Limits } from './limits';

/**
 * Applies config.yml `limits:` as an upsert (issue #18): each limit named
 * there is set, fields not named keep their value, and limits set live by
 * the CLI or the control center on other scopes stay. Queues that do not
 * exist (yet) are skipped and named in the returned lines, not created.
 */
export async function applyLimitsConfig(limits: Limits, config: LimitsConfig | undefined, existing: string[]): Promise<string[]> {
  const notes: string[] = [];
  for (const [queue, spec] of Object.entries(config ?? {})) {
    if (!existing.includes(queue)) {
      notes.push(`limits.${queue}: queue "${queue}" does not exist; its limits wait until it does`);
      continue;
    }
    if (spec.queue) await limits.set(queue, spec.queue);
    if (spec.default_group) await limits.set(queue, spec.default_group, DEFAULT_GROUP);
    for (const [group, g] of Object.entries(spec.groups ?? {})) await limits.set(queue, g, group);
  }
  return notes;
}
