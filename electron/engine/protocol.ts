// The messages between the desktop's main process and its engine process (an Electron
// utilityProcess; a Node child in tests and benchmarks). Main keeps windows, menus and IPC
// routing; everything that touches SQLite, storage or hashing runs in the engine, so a
// large migration never stalls the window. Messages are structured-cloned plain data.
import type { ChannelName } from '../../core/contracts/channels.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import type { CoreConfig } from '../../core/config.ts';
import type { LocationCreate } from '../../core/contracts/locations.ts';

/** How main starts the engine: the same inputs createCore takes, plus what only main knows. */
export interface EngineInit {
  dataDir: string;
  logLevel?: string;
  /** The engine's log file; default: standard output. */
  logFile?: string;
  /**
   * The 32-byte key that seals location credentials, base64, kept encrypted by the OS keychain
   * (Electron's safeStorage) in main. Absent: the engine keeps its key in the data folder.
   */
  sealKey?: string;
  /** Names the key in errors, e.g. "the key kept by the OS keychain". */
  sealKeyWhere?: string;
  /** better-sqlite3's addon built for Electron's ABI (DATAMOTION_SQLITE_BINDING). */
  sqliteBinding?: string;
  /** The renderer bundle the optional REST port serves at `/`. */
  webDir?: string;
  /** Locations ensured at start (default: the embedded local ones). */
  locations?: LocationCreate[];
  /** Mover settings (bandwidth limit, concurrency). */
  mover?: Partial<CoreConfig['mover']>;
}

/** The optional local REST port: loopback only, never without an API key. */
export interface RestSettings {
  enabled: boolean;
  /** 0 picks a free port. */
  port: number;
  apiKey: string;
}

export interface RestStatus {
  enabled: boolean;
  /** Where it listens, when it does. */
  url?: string;
  /** Why it could not listen (port taken, …). */
  error?: string;
}

/** An error crossing the process boundary: the REST error body's shape. */
export interface EngineError {
  error: string;
  message: string;
  field?: string;
  [detail: string]: unknown;
}

export type ToEngine =
  | { type: 'init'; init: EngineInit }
  | { type: 'call'; id: number; channel: ChannelName; args: unknown[] }
  | { type: 'rest'; id: number; settings: RestSettings }
  | { type: 'shutdown' };

export type FromEngine =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: EngineError }
  | { type: 'event'; event: CoreEvent }
  /** The engine cannot start or go on; main shows `message` and where the log is. */
  | { type: 'fatal'; message: string }
  /** Shutdown finished: the mover stopped (running jobs resumable) and the database closed. */
  | { type: 'closed' };
