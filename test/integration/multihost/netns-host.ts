/**
 * A simulated machine for multi-host tests: a network namespace of its own,
 * joined to this (the real) host by a veth pair on a link-local /30, and a
 * host name of its own for every process started in it (`unshare --uts`).
 * Linux and root only: `NetnsHost.unavailable()` says why not, for a skip.
 *
 *   const a = NetnsHost.create('host-a', 'cv-1a2b3c-a', '169.254.42.0');
 *   // This host reaches the namespace at a.inside; processes in it reach this host at a.gateway.
 *   const child = a.spawn(process.execPath, ['cli.js', 'worker'], { env });
 *   a.destroy(); // after its processes are gone: removes the namespace and both veth ends
 *
 * Every namespace and veth is named after its run (`cv-<6 hex>-...`), and all
 * traffic stays between the namespaces and the host ends of their own veths.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** `ip ...` synchronously; throws with ip's stderr on failure. */
function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('ip (iproute2) is not installed', { cause: err });
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/** Namespaces created by this process and not yet destroyed: removed on exit should a test die first. */
const live = new Set<NetnsHost>();
let exitHookInstalled = false;
function track(host: NetnsHost): void {
  live.add(host);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const h of [...live]) h.destroy();
  });
}

export class NetnsHost {
  /** The address of this host's veth end: what processes in the namespace connect to. */
  readonly gateway: string;
  /** The namespace's own address. */
  readonly inside: string;
  private readonly outerLink: string;

  private constructor(
    /** The host name processes in the namespace see (os.hostname()). */
    readonly hostname: string,
    /** The network namespace name (`ip netns`). */
    readonly netns: string,
    subnet: string,
  ) {
    const [a, b, c, d] = subnet.split('.').map(Number) as [number, number, number, number];
    this.gateway = `${a}.${b}.${c}.${d + 1}`;
    this.inside = `${a}.${b}.${c}.${d + 2}`;
    // veth names are at most 15 characters; netns names here are `cv-<6 hex>-<x>`.
    this.outerLink = `vh${netns.slice(2)}`.slice(0, 15);
  }

  /** Why namespaces cannot be made here (not Linux, not root, no `ip`, EPERM...), or undefined when they can. */
  static unavailable(): string | undefined {
    if (process.platform !== 'linux') return `needs Linux network namespaces (this is ${process.platform})`;
    if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
    const probe = `cv-${randomBytes(3).toString('hex')}-probe`;
    try {
      ip('netns', 'add', probe);
      execFileSync('unshare', ['--uts', 'true'], { stdio: 'ignore' });
      return undefined;
    } catch (err) {
      const what = (err as Error).message.startsWith('ip ')
        ? 'create a network namespace'
        : 'give a process its own host name (unshare --uts)';
      return `cannot ${what} here: ${(err as Error).message}`;
    } finally {
      // Also after a failed add: it can leave /run/netns/<probe> behind.
      try {
        ip('netns', 'del', probe);
      } catch {
        // Never made.
      }
    }
  }

  /**
   * Two (or more) free link-local /30 blocks (`169.254.<c>.<4k>`), in a /24
   * where this host has no address yet, so no route of the machine is shadowed.
   */
  static freeSubnets(n: number): string[] {
    const used = ip('-o', '-4', 'addr', 'show');
    for (let tries = 0; tries < 50; tries++) {
      // Not 0, 255 (reserved by RFC 3927) or 169 (cloud metadata lives at 169.254.169.254).
      const c = 1 + ((randomBytes(1)[0] as number) % 254);
      if (c === 169 || used.includes(` 169.254.${c}.`)) continue;
      const first = 4 * ((randomBytes(1)[0] as number) % (64 - n));
      return Array.from({ length: n }, (_, i) => `169.254.${c}.${first + 4 * i}`);
    }
    throw new Error('no free 169.254.x.0/24 on this machine');
  }

  /** Namespace, veth pair, addresses, links up. On failure, removes what it made and throws. */
  static create(hostname: string, netns: string, subnet: string): NetnsHost {
    const host = new NetnsHost(hostname, netns, subnet);
    const inner = 'eth0';
    track(host);
    try {
      ip('netns', 'add', netns);
      ip('link', 'add', host.outerLink, 'type', 'veth', 'peer', 'name', inner, 'netns', netns);
      ip('addr', 'add', `${host.gateway}/30`, 'dev', host.outerLink);
      ip('link', 'set', host.outerLink, 'up');
      ip('-n', netns, 'addr', 'add', `${host.inside}/30`, 'dev', inner);
      ip('-n', netns, 'link', 'set', inner, 'up');
      ip('-n', netns, 'link', 'set', 'lo', 'up');
    } catch (err) {
      host.destroy();
      throw err;
    }
    return host;
  }

  /**
   * Starts `command` inside the namespace under this host name. The returned
   * child's pid is the command's own (unshare, sh and ip netns exec each exec
   * the next), so signals reach it directly.
   */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return spawn(
      'unshare',
      ['--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', this.hostname, 'ip', 'netns', 'exec', this.netns, command, ...args],
      options,
    );
  }

  /**
   * Whether this kernel has netem (`tc qdisc ... netem`): tried on the
   * namespace's own link, then removed. Undefined when it has; else why not.
   */
  netemUnavailable(): string | undefined {
    try {
      execFileSync('tc', ['-n', this.netns, 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '0ms'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      execFileSync('tc', ['-n', this.netns, 'qdisc', 'del', 'dev', 'eth0', 'root'], { stdio: 'ignore' });
      return undefined;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      return e.code === 'ENOENT' ? 'tc (iproute2) is not installed' : `no netem here: ${String(e.stderr ?? e.message).trim()}`;
    }
  }

  /**
   * Kernel-level faults with netem on the veth pair, per direction: `out`
   * shapes what the namespace sends (its eth0), `in` what it receives (this
   * host's end). `netem` is the qdisc's arguments (`['loss', '100%']`,
   * `['delay', '200ms', '50ms', 'loss', '10%']`); undefined removes it.
   */
  netem(direction: 'out' | 'in', netem: string[] | undefined): void {
    const dev =
      direction === 'out' ? ['-n', this.netns, 'qdisc', '%', 'dev', 'eth0', 'root'] : ['qdisc', '%', 'dev', this.outerLink, 'root'];
    const run = (verb: string, extra: string[]): void => {
      execFileSync('tc', [...dev.map((a) => (a === '%' ? verb : a)), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    if (netem === undefined) {
      try {
        run('del', []);
      } catch {
        // None was set.
      }
      return;
    }
    run('replace', ['netem', ...netem]);
  }

  /**
   * Removes the namespace and the host's veth end (deleting one end deletes
   * both). Idempotent; never throws. Kill the processes in it first: a
   * namespace lives on while a process is in it.
   */
  destroy(): void {
    live.delete(this);
    for (const args of [
      ['netns', 'del', this.netns],
      ['link', 'del', this.outerLink],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone (or never made).
      }
    }
  }
}
