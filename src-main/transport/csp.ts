/**
 * The control center's Content-Security-Policy, in one place. The renderer
 * page carries the same policy in its `<meta http-equiv>` (src-renderer/index.html;
 * a test keeps the two equal); the Electron shell and the web server send it
 * as a header too, with `frame-ancestors`, which only a header can carry.
 */

/** The page's policy: exactly the `<meta http-equiv="Content-Security-Policy">` of src-renderer/index.html. */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*";

/** The header: the page's policy, plus what a meta tag cannot say (no framing by other pages). */
export const RENDERER_CSP_HEADER = `${RENDERER_CSP}; frame-ancestors 'none'`;

/** Parse a policy into directive → source list (for tests and checks). */
export function parseCsp(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}
