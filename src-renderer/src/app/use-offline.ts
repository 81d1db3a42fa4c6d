import type { AppState } from '../store/app-state';
import { useApp } from './shell-context';

/** Why nothing that writes to Redis can run now, or null when it can (connected). */
export function offlineReason(s: AppState): string | null {
  const c = s.connection;
  if (c === null || c.state === 'connecting') return 'Connecting to Redis…';
  if (c.state === 'disconnected') return `Redis is unavailable${c.error ? ` (${c.error})` : ''}: try again once it is back`;
  return null;
}

export function useOfflineReason(): string | undefined {
  return useApp(offlineReason) ?? undefined;
}
