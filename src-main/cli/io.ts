/**
 * What a CLI run may touch of the outside world. `main.ts` passes the real
 * process streams; tests pass buffers and run the program in-process.
 */
export interface CliWritable {
  write(chunk: string): unknown;
  /** A terminal (process streams say so): `run` draws a progress bar there, plain lines elsewhere. */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliWritable;
  stderr: CliWritable;
  /** Read by `enqueue ... -`, and by `run`'s "cancel the job?" question when it is a terminal. */
  stdin?: AsyncIterable<string | Buffer> & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Subscribes to "please stop" (SIGINT/SIGTERM); returns the unsubscribe.
   * Only long-running commands (`dev`, `worker`) listen, so Ctrl+C kills the others at once.
   */
  onShutdown?: (listener: () => void) => () => void;
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: AsyncIterable<string | Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The first line typed on `stdin` (without its newline), or undefined when it ends first. */
export async function readLine(stdin: AsyncIterable<string | Buffer>): Promise<string | undefined> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text === '' ? undefined : text;
}
