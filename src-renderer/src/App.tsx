import { useEffect, useState } from 'react';
import { connectApi } from './api/client';

/** Placeholder page: shows whether the control core reaches Redis, through the API client. */
export function App() {
  const [redis, setRedis] = useState('checking…');
  useEffect(() => {
    let live = true;
    let unlisten = (): void => {};
    try {
      const api = connectApi();
      unlisten = api.listen('connection.changed', (status) => setRedis(status.state));
      api.call('connection.status').then(
        (status) => live && setRedis(status.state),
        (err: Error) => live && setRedis(`error: ${err.message}`),
      );
    } catch (err) {
      setRedis(`error: ${(err as Error).message}`);
    }
    return () => {
      live = false;
      unlisten();
    };
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>Conveyor control center — coming soon</h1>
      <p>
        Redis: <span data-testid="connection-state">{redis}</span>
      </p>
    </main>
  );
}
