import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, JobStatus } from '../contracts/jobs.ts';
import { TERMINAL_STATUSES } from '../contracts/jobs.ts';
import type { ApiClient } from './http.ts';
import { bar, bytes, duration } from './format.ts';

export interface Terminal {
  write(text: string): void;
  isTTY: boolean;
}

const POLL_MS = 1000;

/** Rate and ETA from the server when the mover knows them, else from the last two samples. */
class Rate {
  private last: { t: number; b: number } | undefined;
  private bps: number | null = null;

  update(job: Job): { bps: number | null; eta: number | null } {
    const now = Date.now();
    if (this.last && now > this.last.t && job.bytes_copied >= this.last.b) {
      const inst = ((job.bytes_copied - this.last.b) * 1000) / (now - this.last.t);
      this.bps = this.bps === null ? inst : 0.7 * this.bps + 0.3 * inst;
    }
    this.last = { t: now, b: job.bytes_copied };
    const bps = job.progress.throughput_bps ?? this.bps;
    const left = job.bytes_total - job.bytes_copied;
    const eta = job.progress.eta_s ?? (bps && bps > 0 ? left / bps : null);
    return { bps, eta };
  }
}

/** `datamotion watch JOB_ID`: a live progress line until the job ends; 0 only when it completed. */
export async function watch(api: ApiClient, jobId: string, term: Terminal): Promise<number> {
  const ctl = new AbortController();
  // Subscribe first, then read the state: a change between the two is then not missed.
  const stream = await api.events(ctl.signal).catch(() => undefined);
  let job: Job;
  try {
    job = await api.get<Job>(`/jobs/${encodeURIComponent(jobId)}`);
  } catch (e) {
    ctl.abort(); // an open stream would keep the process alive
    throw e;
  }
  const rate = new Rate();
  let status: JobStatus | undefined;
  let lastPct = -1;

  const show = (j: Job) => {
    if (j.status !== status) {
      if (term.isTTY && status !== undefined) term.write('\n');
      term.write(
        `${status === undefined ? '' : `${status} → `}${j.status}${j.error ? `: ${j.error}` : ''}\n`,
      );
      status = j.status;
    }
    const { bps, eta } = rate.update(j);
    const pct = Math.floor(j.progress.fraction * 100);
    const line =
      `${bar(j.progress.fraction)} ${String(pct).padStart(3)}%  ` +
      `${bytes(j.bytes_copied)} / ${bytes(j.bytes_total)}` +
      `${bps ? `  ${bytes(bps)}/s` : ''}${eta !== null && !TERMINAL_STATUSES.includes(j.status) ? `  ETA ${duration(eta)}` : ''}`;
    if (term.isTTY) term.write(`\r\x1b[2K${line}`);
    else if (pct >= lastPct + 10 || TERMINAL_STATUSES.includes(j.status)) {
      term.write(`${line}\n`);
      lastPct = pct;
    }
  };

  try {
    show(job);
    if (stream && !TERMINAL_STATUSES.includes(job.status)) {
      try {
        for await (const ev of stream) {
          if ((ev.type === 'job.updated' || ev.type === 'job.progress') && ev.job.job_id === job.job_id) {
            job = ev.job;
            show(job);
            if (TERMINAL_STATUSES.includes(job.status)) break;
          }
        }
      } catch {
        // The stream broke (server restart, proxy timeout): polling below takes over.
      }
    }
    while (!TERMINAL_STATUSES.includes(job.status)) {
      await sleep(POLL_MS);
      job = await api.get<Job>(`/jobs/${encodeURIComponent(job.job_id)}`);
      show(job);
    }
  } finally {
    ctl.abort();
    if (term.isTTY) term.write('\n');
  }
  return job.status === 'completed' ? 0 : 1;
}
