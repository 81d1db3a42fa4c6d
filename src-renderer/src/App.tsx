export function App() {
  const version = window.conveyor?.version();
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>Conveyor control center — coming soon</h1>
      {version ? <p>Version {version}</p> : null}
    </main>
  );
}
