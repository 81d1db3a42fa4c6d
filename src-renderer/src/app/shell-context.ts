import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { ConveyorApi } from '../../../src-shared/contract';
import type { AppState } from '../store/app-state';
import { appStore, type AppStore } from '../store/app-store';
import type { StoreReader } from '../store/store-reader';

/** What every view reaches without props: the api (for commands), the store, and its reader (for on-demand reads). */
export interface ShellServices {
  api: ConveyorApi;
  store: AppStore;
  read: StoreReader;
}

export const ShellContext = createContext<ShellServices | null>(null);

function useServices(): ShellServices {
  const services = useContext(ShellContext);
  if (!services) throw new Error('used outside <Shell>');
  return services;
}

export function useApi(): ConveyorApi {
  return useServices().api;
}

export function useReader(): StoreReader {
  return useServices().read;
}

/** Reads the store through a selector: the component re-renders only when the selected value changes. */
export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(ShellContext)?.store ?? appStore;
  return useStore(store, selector);
}

/** For selectors that build an object or array of store values: compared shallowly. */
export function useAppShallow<T extends object>(selector: (s: AppState) => T): T {
  return useApp(useShallow(selector));
}

/** The store itself, for components that apply a command's result (`store.setState`). */
export function useStoreApi(): AppStore {
  return useServices().store;
}
