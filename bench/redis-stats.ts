import type { Redis } from 'ioredis';

/**
 * What Redis spent, from INFO: CPU (used_cpu_sys + used_cpu_user, all
 * threads) and per-command calls and µs (commandstats). Commands a Lua script
 * or function runs are counted too, so one FCALL (or EVALSHA) shows up as itself plus its calls, and
 * its µs include theirs.
 */

export interface CommandStat {
  calls: number;
  usec: number;
}

export interface RedisSample {
  cpuSeconds: number;
  commands: Map<string, CommandStat>;
}

export interface RedisUsage {
  cpuUs: number;
  /** All calls, the bench's own INFO left out. */
  calls: number;
  /** Per command (Redis' lower-case names, `client|setname` for subcommands). */
  commands: Record<string, CommandStat>;
}

/** The bench samples with INFO; those calls are not the contenders'. */
const OWN_COMMANDS = new Set(['info']);

export async function sampleRedis(client: Redis): Promise<RedisSample> {
  const text = String(await client.call('INFO', 'cpu', 'commandstats'));
  let cpuSeconds = 0;
  const commands = new Map<string, CommandStat>();
  for (const line of text.split(/\r?\n/)) {
    const cpu = /^used_cpu_(?:sys|user):([\d.]+)$/.exec(line);
    if (cpu) {
      cpuSeconds += Number(cpu[1]);
      continue;
    }
    const cmd = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (cmd) commands.set(cmd[1] as string, { calls: Number(cmd[2]), usec: Number(cmd[3]) });
  }
  return { cpuSeconds, commands };
}

export function usageBetween(before: RedisSample, after: RedisSample): RedisUsage {
  const commands: Record<string, CommandStat> = {};
  let calls = 0;
  for (const [name, now] of after.commands) {
    if (OWN_COMMANDS.has(name)) continue;
    const was = before.commands.get(name) ?? { calls: 0, usec: 0 };
    const delta = { calls: now.calls - was.calls, usec: now.usec - was.usec };
    if (delta.calls <= 0) continue;
    commands[name] = delta;
    calls += delta.calls;
  }
  return { cpuUs: (after.cpuSeconds - before.cpuSeconds) * 1e6, calls, commands };
}

/** INFO memory's used_memory: bytes Redis' allocator holds. */
export async function usedMemory(client: Redis): Promise<number> {
  const text = String(await client.call('INFO', 'memory'));
  return Number(/^used_memory:(\d+)/m.exec(text)?.[1] ?? Number.NaN);
}
