/**
 * What a CLI run may touch of the outside world. `main.ts` passes the real
 * process streams; tests pass buffers and run the program in-process.
 */
export interface CliWritable {
  write(chunk: string): unknown;
}

export interface CliIo {
  stdout: CliWritable;
  stderr: CliWritable;
  /** Read by `enqueue ... -`. */
  stdin?: AsyncIterable<string | Buffer>;
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
