import type { ConnectionStatus } from '../../../../src-shared/contract';

export interface ConnectionSlice {
  /** Redis as the control core sees it; null until the first answer. */
  connection: ConnectionStatus | null;
  /**
   * Background reads whose last attempt failed, by read name (`workers.list`),
   * for the status bar. Per read, so one read's success does not hide another's failure.
   */
  readErrors: Readonly<Record<string, string>>;
}

export const initialConnection: ConnectionSlice = { connection: null, readErrors: {} };

export function setReadError(
  errors: Readonly<Record<string, string>>,
  name: string,
  message: string | null,
): Readonly<Record<string, string>> {
  if (message === null) {
    if (!(name in errors)) return errors;
    const next = { ...errors };
    delete next[name];
    return next;
  }
  return errors[name] === message ? errors : { ...errors, [name]: message };
}
