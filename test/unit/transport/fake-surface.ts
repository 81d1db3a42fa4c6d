/**
 * A small in-memory ControlSurface for transport tests: records calls, answers
 * with per-command handlers (default: echoes `{ command, args }`), and lets the
 * test emit events to whoever subscribed.
 */
import {
  isCommandName,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type EventName,
  type Events,
} from '../../../src-shared/contract';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import type { ControlSurface } from '../../../src-main/control/surface';

type Handler = (args: unknown) => unknown;

export class FakeSurface implements ControlSurface {
  readonly calls: Array<{ command: string; args: unknown }> = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  /** Answer `command` with `handler(args)` (it may throw or return a promise). */
  on(command: CommandName, handler: Handler): this {
    this.handlers.set(command, handler);
    return this;
  }

  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    return this.callUntrusted(command, args) as Promise<CommandResult<C>>;
  }

  async callUntrusted(command: string, args: unknown): Promise<unknown> {
    this.calls.push({ command, args });
    if (!isCommandName(command)) throw new ConveyorError(ErrorCode.UnknownCommand, `unknown command "${command}"`, { command });
    const handler = this.handlers.get(command);
    return handler ? handler(args) : { command, args };
  }

  subscribe<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const h = handler as (payload: unknown) => void;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const h of [...(this.listeners.get(event) ?? [])]) h(payload);
  }

  subscriberCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
