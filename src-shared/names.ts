/**
 * Small pure rules shared by the schemas and by code that must stay light
 * (worker threads start faster without loading zod).
 */

/** Queue and agent names: safe in Redis key names and glob patterns. */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
export const NAME_RULE = '1-100 letters, digits, ".", "_" or "-"';

/** A URL with its password replaced by `***`, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}
