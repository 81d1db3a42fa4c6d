import { useEffect } from 'react';
import { formatRoute, parseRoute } from '../lib/routes';
import type { AppStore } from '../store/app-store';

/**
 * The hash is the route's source of truth: links are plain hrefs (keyboard
 * and middle-click work), and the store follows `hashchange`.
 */
export function useHashRoute(store: AppStore): void {
  useEffect(() => {
    const follow = (): void => store.getState().navigate(parseRoute(window.location.hash));
    follow();
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, [store]);
}

/** Navigates from code (after a click on a row, say). */
export function goTo(...args: Parameters<typeof formatRoute>): void {
  window.location.hash = formatRoute(...args);
}
