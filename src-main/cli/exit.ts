/** Exit statuses of `conveyor`, and the error that ends a command with one of them. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/**
 * Ends a command with `code`, printing `message` (if any) as the one error
 * line: for outcomes that are not errors of the program, such as a job that
 * ended dead (`conveyor run`).
 */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
