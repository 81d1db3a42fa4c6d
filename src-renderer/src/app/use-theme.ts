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

/**
 * Applies the theme preference: `system` leaves it to `prefers-color-scheme`
 * (in the CSS); light or dark pins it with `data-theme` on <html>. Remembered
 * across restarts.
 */
export function useTheme(store: AppStore): void {
  useEffect(() => {
    store.getState().setTheme(stored());
    const apply = (theme: ThemePreference): void => {
      const root = document.documentElement;
      if (theme === 'system') delete root.dataset['theme'];
      else root.dataset['theme'] = theme;
      try {
        if (theme === 'system') window.localStorage.removeItem(KEY);
        else window.localStorage.setItem(KEY, theme);
      } catch {
        // Storage may be unavailable (a sandboxed page): the preference then lasts the session.
      }
    };
    apply(store.getState().theme);
    let last = store.getState().theme;
    return store.subscribe((s) => {
      if (s.theme !== last) {
        last = s.theme;
        apply(s.theme);
      }
    });
  }, [store]);
}
