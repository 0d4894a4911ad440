// Main's side of the engine: starts the engine process, routes calls to it, forwards its
// events, and restarts it when it crashes. Knows nothing of Electron: the process is
// spawned through an EngineSpawner (utilityProcess.fork in the app, child_process.fork in
// Node), so this whole protocol is tested under plain Node.
import type { ChannelName } from '../../core/contracts/channels.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import type { EngineStatus } from '../../core/contracts/desktop.ts';
import type { EngineError, EngineInit, FromEngine, RestSettings, RestStatus, ToEngine } from './protocol.ts';

/** A running engine process, as main sees it. */
export interface EngineChild {
  readonly pid: number | undefined;
  post(message: ToEngine): void;
  onMessage(listener: (message: FromEngine) => void): void;
  /** `signal` where the platform reports it (a Node child); utilityProcess reports a code only. */
  onExit(listener: (code: number | null, signal?: string | null) => void): void;
  kill(): void;
}

export type EngineSpawner = () => EngineChild;

/** "exit code 3", "killed by SIGKILL": how a process ended, for people. */
export function exitText(code: number | null, signal?: string | null): string {
  if (signal) return `killed by ${signal}`;
  return code === null ? 'ended without an exit code' : `exit code ${code}`;
}

export class EngineCallError extends Error {
  constructor(readonly body: EngineError) {
    super(body.message);
    this.name = 'EngineCallError';
  }
}

export interface EngineClientOptions {
  spawn: EngineSpawner;
  init: EngineInit;
  /** How long a start may take before it counts as failed. */
  startTimeoutMs?: number;
  /** How long shutdown waits for the engine to close before killing it. */
  stopTimeoutMs?: number;
  /** Delays between restarts after crashes; the last one repeats. */
  backoffMs?: number[];
  /** Crashes within `crashWindowMs` after which it stops restarting. */
  maxCrashes?: number;
  crashWindowMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * One engine at a time: start() resolves once the engine has opened its database; call()
 * answers like the IPC handlers do. When the process dies unexpectedly, calls in flight
 * fail with `engine_restarted`, the status listeners hear 'restarting', and a new engine
 * starts after a backoff — its mover resumes the jobs the dead one left (each from its
 * verified objects). After `maxCrashes` crashes within `crashWindowMs` it gives up ('failed').
 */
export class EngineClient {
  private child: EngineChild | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: CoreEvent) => void>();
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private crashes: number[] = [];
  private restarts = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private rest: RestSettings | undefined;
  private readonly opts: Required<EngineClientOptions>;

  constructor(options: EngineClientOptions) {
    this.opts = {
      startTimeoutMs: 30_000,
      stopTimeoutMs: 30_000,
      backoffMs: [250, 1_000, 4_000],
      maxCrashes: 5,
      crashWindowMs: 60_000,
      ...options,
    };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  onEvent(listener: (event: CoreEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Starts the engine; rejects with the engine's own reason when it cannot open. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.opts.spawn();
      this.child = child;
      let started = false;
      let lastWords: string | undefined;
      const timer = setTimeout(() => {
        if (started) return;
        child.kill();
        reject(new Error(`the engine did not start within ${this.opts.startTimeoutMs} ms`));
      }, this.opts.startTimeoutMs);

      child.onMessage((message) => {
        if (this.child !== child) return;
        switch (message.type) {
          case 'ready':
            started = true;
            clearTimeout(timer);
            this.emitStatus({ state: 'running', pid: message.pid, restarts: this.restarts });
            resolve();
            // A restarted engine gets the REST port back as the operator left it.
            if (this.rest?.enabled) this.setRest(this.rest).catch(() => undefined);
            return;
          case 'fatal':
            if (!started) {
              clearTimeout(timer);
              started = true;
              this.child = undefined;
              child.kill();
              reject(new Error(message.message));
            } else {
              // It is about to exit: the reason goes with the crash report.
              lastWords = message.message;
            }
            return;
          case 'result': {
            const p = this.pending.get(message.id);
            if (!p) return;
            this.pending.delete(message.id);
            if (message.ok) p.resolve(message.value);
            else p.reject(new EngineCallError(message.error));
            return;
          }
          case 'event':
            for (const l of this.eventListeners) l(message.event);
            return;
          case 'closed':
            return;
        }
      });
      child.onExit((code, signal) => {
        if (this.child !== child) return;
        this.child = undefined;
        const how = exitText(code, signal);
        this.failPending(how);
        if (!started) {
          clearTimeout(timer);
          reject(new Error(`the engine exited while starting (${how})`));
          return;
        }
        if (!this.stopping) this.crashed(lastWords ? `${how}: ${lastWords}` : how);
      });
      child.post({ type: 'init', init: this.opts.init });
    });
  }

  /** One operation of the channel map, answered by the engine. */
  call(channel: ChannelName, args: unknown[]): Promise<unknown> {
    return this.request((id) => ({ type: 'call', id, channel, args }));
  }

  /** Opens, moves or closes the optional local REST port; remembered across engine restarts. */
  async setRest(settings: RestSettings): Promise<RestStatus> {
    this.rest = settings;
    return (await this.request((id) => ({ type: 'rest', id, settings }))) as RestStatus;
  }

  /** Asks the engine to stop (mover stopped, jobs left resumable, database closed); kills it after the timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) {
      this.emitStatus({ state: 'stopped' });
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, this.opts.stopTimeoutMs);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      child.post({ type: 'shutdown' });
    });
    this.child = undefined;
    this.failPending('shut down');
    this.emitStatus({ state: 'stopped' });
  }

  private request(make: (id: number) => ToEngine): Promise<unknown> {
    const child = this.child;
    if (!child) {
      return Promise.reject(
        new EngineCallError({
          error: 'unavailable',
          message: this.stopping ? 'the engine is shutting down' : 'the engine is restarting; try again',
        }),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.post(make(id));
    });
  }

  private failPending(how: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(
        new EngineCallError({
          error: 'engine_restarted',
          message: `the engine stopped (${how}) before it answered; the operation may or may not have been applied — check, then try again`,
        }),
      );
    }
  }

  private crashed(reason: string): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.opts.crashWindowMs), now];
    if (this.crashes.length >= this.opts.maxCrashes) {
      this.emitStatus({
        state: 'failed',
        reason: `${reason}; it crashed ${this.crashes.length} times within ${this.opts.crashWindowMs / 1000} s and is not restarted again`,
      });
      return;
    }
    const backoff = this.opts.backoffMs;
    const delay = backoff[Math.min(this.crashes.length - 1, backoff.length - 1)] ?? 1_000;
    this.restarts++;
    this.emitStatus({ state: 'restarting', reason, restarts: this.restarts, retry_in_ms: delay });
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.start().catch((e: unknown) => this.crashed(e instanceof Error ? e.message : String(e)));
    }, delay);
  }

  private emitStatus(status: EngineStatus): void {
    for (const l of this.statusListeners) l(status);
  }
}
