import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../../../src-main/agents/sse';

describe('SseDecoder', () => {
  it('returns an event at each blank line', () => {
    expect(new SseDecoder().push('data: a\n\ndata: b\n\n')).toEqual([
      { type: 'event', event: 'message', data: 'a' },
      { type: 'event', event: 'message', data: 'b' },
    ]);
  });

  it('keeps a partial line for the next chunk', () => {
    const sse = new SseDecoder();
    expect(sse.push('data: {"a"')).toEqual([]);
    expect(sse.push(':1}\n\n')).toEqual([{ type: 'event', event: 'message', data: '{"a":1}' }]);
  });

  it('joins multi-line data with newlines and keeps the event name', () => {
    expect(new SseDecoder().push('event: error\ndata: one\ndata: two\n\n')).toEqual([{ type: 'event', event: 'error', data: 'one\ntwo' }]);
  });

  it('accepts CRLF line ends, and data without the space after the colon', () => {
    expect(new SseDecoder().push('data:x\r\n\r\n')).toEqual([{ type: 'event', event: 'message', data: 'x' }]);
  });

  it('skips comments, id and retry lines', () => {
    expect(new SseDecoder().push(': ping\nid: 7\nretry: 100\ndata: x\n\n')).toEqual([{ type: 'event', event: 'message', data: 'x' }]);
  });

  it('returns lines that are not server-sent events as invalid', () => {
    expect(new SseDecoder().push('<html>\n')).toEqual([{ type: 'invalid', line: '<html>' }]);
  });

  it('delivers the last event at the end even without its blank line', () => {
    const sse = new SseDecoder();
    expect(sse.push('data: last')).toEqual([]);
    expect(sse.end()).toEqual([{ type: 'event', event: 'message', data: 'last' }]);
  });
});
