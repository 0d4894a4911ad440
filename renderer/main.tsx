import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { Dataset } from '../core/contracts/datasets.ts';
import type { Job } from '../core/contracts/jobs.ts';
import { defaultClient } from './client/http-client.ts';

const client = defaultClient();

// A placeholder until the desktop issue brings the map and the migration queue.
function App() {
  const [datasets, setDatasets] = useState<Dataset[]>([]);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const refresh = () =>
      Promise.all([client.listDatasets(), client.listJobs()])
        .then(([d, j]) => {
          setDatasets(d);
          setJobs(j);
        })
        .catch((e: unknown) => setError(String(e)));
    void refresh();
    return client.subscribe(() => void refresh());
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>DataMotion</h1>
      {error && <p role="alert">{error}</p>}
      <h2>Datasets ({datasets.length})</h2>
      <ul data-testid="datasets">
        {datasets.map((d) => (
          <li key={d.id}>
            {d.name} · {d.current_tier} · {d.location} · {d.size_bytes} bytes
          </li>
        ))}
      </ul>
      <h2>Jobs ({jobs.length})</h2>
      <ul data-testid="jobs">
        {jobs.map((j) => (
          <li key={j.job_id}>
            {j.dataset_id}: {j.status} <progress max={1} value={j.progress.fraction} />
          </li>
        ))}
      </ul>
    </main>
  );
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
