/** Number, time and duration formatting shared by every view (one locale, so e2e text is stable). */

const LOCALE = 'en-US';
const intFormat = new Intl.NumberFormat(LOCALE);
const decFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return intFormat.format(n);
}

export function formatRate(perSec: number): string {
  return `${decFormat.format(perSec)}/s`;
}

/** 950 ms, 1.2 s, 3 m 5 s, 2 h 4 m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${decFormat.format(ms / 1000)} s`;
  const s = Math.round(ms / 1000);
  if (abs < 3_600_000) return `${Math.floor(s / 60)} m ${s % 60} s`;
  const m = Math.round(ms / 60_000);
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

/** "3 s ago" style, for heartbeats and ages. */
export function formatAge(ms: number): string {
  return ms < 0 ? 'just now' : `${formatDuration(ms)} ago`;
}

/** Local date and time to the second: milliseconds say nothing to a person reading a job (durations keep them). */
export function formatTime(ts: number | undefined): string {
  if (ts === undefined) return '—';
  const d = new Date(ts);
  const pad = (x: number, w = 2): string => String(x).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "3 min ago", "in 5 s", "2 h ago", "4 d ago": how far `ts` is from `now`, coarsely. */
export function formatRelative(ts: number, now: number): string {
  const diff = now - ts;
  const abs = Math.abs(diff);
  if (abs < 1000) return 'just now';
  const unit =
    abs < 60_000
      ? `${Math.floor(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.floor(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.floor(abs / 3_600_000)} h`
          : `${Math.floor(abs / 86_400_000)} d`;
  return diff >= 0 ? `${unit} ago` : `in ${unit}`;
}

/** An enum value in words: "not_retryable" → "not retryable", "out_of_memory" → "out of memory". */
export function humanize(value: string): string {
  return value.replace(/_/g, ' ');
}

/** JSON for display; strings shown as they are, since most agent inputs are plain text. */
export function formatJson(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One-line preview of a value, at most `max` characters. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
