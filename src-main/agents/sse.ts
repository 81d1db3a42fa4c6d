/**
 * An incremental decoder for server-sent events (the `text/event-stream`
 * format): feed it text as it arrives, get back the events it completed.
 * Follows the WHATWG rules for `data:` (multi-line data joined by "\n"),
 * `event:` and comments; lines that are none of these are returned as
 * `invalid`, so a caller expecting events can tell a stream from garbage.
 */

export type SseEvent = { type: 'event'; event: string; data: string } | { type: 'invalid'; line: string };

export class SseDecoder {
  private pending = '';
  private data: string[] = [];
  private event = '';

  /** Decodes what `text` completes; a partial last line waits for the next call. */
  push(text: string): SseEvent[] {
    this.pending += text;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    const out: SseEvent[] = [];
    for (const line of lines) this.line(line.endsWith('\r') ? line.slice(0, -1) : line, out);
    return out;
  }

  /** At the end of the stream: the last line and event, even without their terminating blank line. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.pending) this.line(this.pending, out);
    this.pending = '';
    this.dispatch(out);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(':')) return; // comment, e.g. a keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field !== 'id' && field !== 'retry') out.push({ type: 'invalid', line });
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0) out.push({ type: 'event', event: this.event || 'message', data: this.data.join('\n') });
    this.data = [];
    this.event = '';
  }
}
