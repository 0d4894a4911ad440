/* global document, sessionStorage, fetch, TextDecoder, setTimeout */
// Placeholder web UI: plain DOM, no build step, no third-party code (the CSP allows only
// this origin). Every value from the API goes in through textContent, never as HTML.

const state = { datasets: new Map(), jobs: new Map(), recs: new Map() };
const $ = (id) => document.getElementById(id);

function headers() {
  const key = sessionStorage.getItem('datamotion.apiKey');
  return key ? { 'x-api-key': key } : {};
}

async function api(path) {
  const res = await fetch(path, { headers: headers() });
  if (res.status === 401) {
    $('key-form').hidden = false;
    throw new Error('an API key is required');
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.message ?? `${path}: HTTP ${res.status}`);
  return body;
}

const bytes = (n) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
};
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fill(tbodyId, rows, emptyText, columns) {
  const tbody = $(tbodyId);
  tbody.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(emptyText, 'empty');
    td.colSpan = columns;
    tr.append(td);
    tbody.append(tr);
    return;
  }
  for (const r of rows) tbody.append(r);
}

function renderDatasets() {
  const rows = [...state.datasets.values()]
    .sort((a, b) => a.id - b.id)
    .map((d) => {
      const tr = document.createElement('tr');
      tr.dataset.testid = `dataset-${d.id}`;
      tr.append(
        cell(String(d.id)),
        cell(d.name),
        cell(d.current_tier, `tier-${d.current_tier}`),
        cell(`${bytes(d.size_bytes)} · ${d.object_count} objects`),
        cell(d.location),
        cell(d.path_uri, 'path'),
        cell(when(d.last_access_ts)),
      );
      return tr;
    });
  fill('datasets', rows, 'No datasets yet: POST /datasets or `datamotion datasets add`.', 7);
}

function renderJobs() {
  const rows = [...state.jobs.values()]
    .sort((a, b) => b.submitted_at.localeCompare(a.submitted_at))
    .slice(0, 50)
    .map((j) => {
      const tr = document.createElement('tr');
      tr.dataset.testid = `job-${j.job_id}`;
      const progress = document.createElement('td');
      const bar = document.createElement('progress');
      bar.max = 1;
      bar.value = j.progress.fraction;
      const note = document.createElement('span');
      note.className = 'note';
      const rate = j.progress.throughput_bps ? ` · ${bytes(j.progress.throughput_bps)}/s` : '';
      const eta = j.progress.eta_s != null ? ` · ${Math.ceil(j.progress.eta_s)} s left` : '';
      note.textContent = `${Math.round(j.progress.fraction * 100)}% of ${bytes(j.bytes_total)}${rate}${eta}`;
      progress.append(bar, note);
      tr.append(
        cell(String(j.dataset_id)),
        cell(j.error ? `${j.status}: ${j.error}` : j.status, `status-${j.status}`),
        progress,
        cell(`${j.dest_uri} (${j.dest_storage_class}, ${j.dest_tier})`, 'path'),
        cell(when(j.submitted_at)),
      );
      return tr;
    });
  fill('jobs', rows, 'No migrations yet.', 5);
}

function renderRecs() {
  const rows = [...state.recs.values()]
    .sort((a, b) => a.dataset_id - b.dataset_id)
    .map((r) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(String(r.dataset_id)),
        cell(r.current_tier, `tier-${r.current_tier}`),
        cell(r.recommended_tier, `tier-${r.recommended_tier}`),
        cell(r.reasons.join('; ')),
        cell(r.model_version),
      );
      return tr;
    });
  fill('recommendations', rows, 'No recommendations stored yet: press Recompute.', 5);
}

function showError(e) {
  $('error').hidden = !e;
  $('error').textContent = e ? String(e.message ?? e) : '';
}

async function load(recompute = false) {
  try {
    const [datasets, jobs, recs] = await Promise.all([
      api('/datasets'),
      api('/jobs?limit=50'),
      api(`/recommendations${recompute ? '' : '?refresh=false'}`),
    ]);
    state.datasets = new Map(datasets.map((d) => [d.id, d]));
    state.jobs = new Map(jobs.map((j) => [j.job_id, j]));
    state.recs = new Map(recs.map((r) => [r.dataset_id, r]));
    renderDatasets();
    renderJobs();
    renderRecs();
    showError(null);
    return true;
  } catch (e) {
    showError(e);
    return false;
  }
}

// Ingest events name datasets but not their new last-access time: re-read the list, at most every 2 s.
let datasetsReload;
function reloadDatasetsSoon() {
  datasetsReload ??= setTimeout(async () => {
    try {
      state.datasets = new Map((await api('/datasets')).map((d) => [d.id, d]));
      renderDatasets();
    } catch (e) {
      showError(e);
    }
    datasetsReload = undefined;
  }, 2000);
}

function apply(event) {
  switch (event.type) {
    case 'dataset.updated':
      state.datasets.set(event.dataset.id, event.dataset);
      return renderDatasets();
    case 'dataset.deleted':
      state.datasets.delete(event.dataset_id);
      return renderDatasets();
    case 'job.updated':
    case 'job.progress':
      state.jobs.set(event.job.job_id, event.job);
      return renderJobs();
    case 'recommendation.created':
      state.recs.set(event.recommendation.dataset_id, event.recommendation);
      return renderRecs();
    case 'telemetry.ingested':
      return reloadDatasetsSoon();
  }
}

function setLive(text, className) {
  $('live').textContent = text;
  $('live').className = `badge ${className}`;
}

// EventSource cannot send the API key header, so the stream is read through fetch.
async function stream() {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
    try {
      const res = await fetch('/events', { headers: headers() });
      if (res.status === 401) $('key-form').hidden = false;
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
      setLive('live', 'ok');
      delay = 1000;
      // Catch up on what happened while the stream was down.
      await load();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) apply(JSON.parse(data));
        }
      }
    } catch {
      // Reconnect below.
    }
    setLive('reconnecting…', 'down');
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('datamotion.apiKey', $('key').value);
  $('key-form').hidden = true;
  void load();
});
$('refresh').addEventListener('click', () => void load(true));

void stream();
