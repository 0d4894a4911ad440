// Filled in by the migration work.
export class Mover {
  /** Recovers interrupted jobs, then starts taking queued ones. */
  start(): void {}
  /** Stops taking jobs; running copies are aborted and left resumable. */
  async stop(): Promise<void> {}
}
