import { useEffect } from 'react';
import type { AppStore } from '../store/app-store';
import type { ThemePreference } from '../store/slices/ui';

const KEY = 'conveyor.theme';

function stored(): ThemePreference {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const DARK = '(prefers-color-scheme: dark)';

/**
 * Applies the theme preference as `data-theme` (light or dark) on <html>, the
 * one thing the CSS reads: `system` follows `prefers-color-scheme`, live.
 * Remembered across restarts.
 */
export function useTheme(store: AppStore): void {
  useEffect(() => {
    store.getState().setTheme(stored());
    const system = window.matchMedia(DARK);
    const apply = (theme: ThemePreference): void => {
      const root = document.documentElement;
      root.dataset['theme'] = theme === 'system' ? (system.matches ? 'dark' : 'light') : theme;
      try {
        if (theme === 'system') window.localStorage.removeItem(KEY);
        else window.localStorage.setItem(KEY, theme);
      } catch {
        // Storage may be unavailable (a sandboxed page): the preference then lasts the session.
      }
    };
    apply(store.getState().theme);
    let last = store.getState().theme;
    const onSystemChange = (): void => {
      if (store.getState().theme === 'system') apply('system');
    };
    system.addEventListener('change', onSystemChange);
    const unsubscribe = store.subscribe((s) => {
      if (s.theme !== last) {
        last = s.theme;
        apply(s.theme);
      }
    });
    return () => {
      system.removeEventListener('change', onSystemChange);
      unsubscribe();
    };
  }, [store]);
}
