/**
 * Which URLs are the app's own renderer page. Used by the IPC sender check and
 * by the window's navigation guard. Plain Node (no electron).
 *
 * - Built app: the renderer is a file:// page; only that exact file counts
 *   (query and hash ignored), not any other file on disk.
 * - Development (`electron-vite dev`): the renderer comes from the dev server;
 *   any page of that origin counts.
 */
export function isAppRendererUrl(url: string | undefined | null, rendererUrl: string): boolean {
  if (!url) return false;
  let target: URL;
  let own: URL;
  try {
    target = new URL(url);
    own = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (own.protocol === 'file:') {
    return target.protocol === 'file:' && target.host === own.host && target.pathname === own.pathname;
  }
  if (own.protocol !== 'http:' && own.protocol !== 'https:') return false;
  return target.origin === own.origin;
}
