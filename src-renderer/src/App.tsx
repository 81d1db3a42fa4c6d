import { useState } from 'react';
import { connectApi } from './api/client';
import { Shell } from './app/Shell';

/** The control center: one API client (IPC inside Electron, WebSocket in a browser) for the life of the page. */
export function App() {
  const [api] = useState(connectApi);
  return <Shell api={api} />;
}
