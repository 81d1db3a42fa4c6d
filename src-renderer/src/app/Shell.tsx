import { useEffect, useState } from 'react';
import type { ConveyorApi } from '../../../src-shared/contract';
import { ConfigView } from '../features/config/ConfigView';
import { EnqueueView } from '../features/enqueue/EnqueueView';
import { JobDetailView } from '../features/job-detail/JobDetailView';
import { JobsView } from '../features/jobs/JobsView';
import { LimitsView } from '../features/limits/LimitsView';
import { OverviewView } from '../features/overview/OverviewView';
import { QueuesView } from '../features/queues/QueuesView';
import { WorkersView } from '../features/workers/WorkersView';
import { SchedulesView } from '../features/schedules/SchedulesView';
import { appStore, type AppStore } from '../store/app-store';
import { bindStore, type BindOptions } from '../store/bind-store';
import '../styles/index.css';
import { CommandPalette } from './CommandPalette';
import { ConnectionBanner } from './ConnectionBanner';
import { ShellContext, useApp, type ShellServices } from './shell-context';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { useHashRoute } from './use-hash-route';
import { useTheme } from './use-theme';

export interface ShellProps {
  /** The control core: Electron IPC or the local web transport (or a fake, in tests). */
  api: ConveyorApi;
  /** Defaults to the app's store; tests pass a fresh one. */
  store?: AppStore;
  /** Polling and debounce timings (tests shorten them). */
  bindOptions?: BindOptions;
}

/** The control center: binds the store to the api for as long as it is mounted, and lays out the views. */
export function Shell({ api, store = appStore, bindOptions }: ShellProps) {
  const [services, setServices] = useState<ShellServices | null>(null);
  useEffect(() => {
    const binding = bindStore(api, store, bindOptions);
    setServices({ api, store, read: binding.read });
    return () => binding.stop();
    // bindOptions is read once per binding: a new object each render must not rebind.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, store]);
  useHashRoute(store);
  useTheme(store);
  if (!services) return null;
  return (
    <ShellContext.Provider value={services}>
      <div className="shell" data-testid="shell">
        {/* A button, not href="#main": the hash is the route. */}
        <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
          Skip to content
        </button>
        <ConnectionBanner />
        <div className="shell-body">
          <Sidebar />
          <main id="main" className="main" tabIndex={-1}>
            <CurrentView />
          </main>
        </div>
        <StatusBar />
        <CommandPalette />
      </div>
    </ShellContext.Provider>
  );
}

function CurrentView() {
  const route = useApp((s) => s.route);
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'queues':
      return <QueuesView />;
    case 'jobs':
      return route.job ? <JobDetailView queue={route.job.queue} id={route.job.id} /> : <JobsView />;
    case 'enqueue':
      return <EnqueueView />;
    case 'workers':
      return <WorkersView />;
    case 'limits':
      return <LimitsView />;
    case 'config':
      return <ConfigView />;
    case 'schedules':
      return <SchedulesView />;
  }
}
