import type { CommandArgs, CommandName, CommandResult, EventName, Events } from '../../src-shared/contract';

/**
 * What a transport (Electron IPC, the local web server) may touch of the
 * control core: run a command by name with untrusted arguments, and subscribe
 * to an event channel. Arguments are validated against the contract inside
 * `call`; errors are ConveyorErrors, which transports turn into ErrorShapes.
 */
export interface ControlSurface {
  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>>;
  /** For transports: the name and arguments are unchecked input. Unknown names fail with UNKNOWN_COMMAND. */
  callUntrusted(command: string, args: unknown): Promise<unknown>;
  subscribe<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void;
}
