// What only the desktop app offers its window, beside the channel map: the optional local
// REST port and the engine process's state. Main answers these itself (it owns the
// settings and the engine process); arguments are validated like every IPC argument.
import { Type, type Static } from '@sinclair/typebox';
import type { IpcResult } from './channels.ts';

export const RestPortView = Type.Object({
  enabled: Type.Boolean(),
  port: Type.Integer({ minimum: 1024, maximum: 65535 }),
  /** Where it listens, when it does. */
  url: Type.Optional(Type.String()),
  /** The key every request must carry; generated on first use. */
  api_key: Type.Union([Type.String(), Type.Null()]),
  /** Why it is not listening although enabled (port taken, …). */
  error: Type.Optional(Type.String()),
  /** How stored cloud credentials are protected on this machine, and why when not by the keychain. */
  credentials_protection: Type.Union([Type.Literal('os-keychain'), Type.Literal('key-file')]),
  credentials_note: Type.Optional(Type.String()),
});
export type RestPortView = Static<typeof RestPortView>;

export const RestPortUpdate = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    port: Type.Optional(Type.Integer({ minimum: 1024, maximum: 65535 })),
    /** Replaces the API key: every client must be given the new one. */
    regenerate_key: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type RestPortUpdate = Static<typeof RestPortUpdate>;

/** The engine process, as the window is told about it. */
export type EngineStatus =
  | { state: 'running'; pid: number | undefined; restarts: number }
  | { state: 'restarting'; reason: string; restarts: number; retry_in_ms: number }
  | { state: 'failed'; reason: string }
  | { state: 'stopped' };

export const DESKTOP_CHANNELS = {
  restPort: 'desktop/rest-port',
  setRestPort: 'desktop/set-rest-port',
  engineStatus: 'desktop/engine-status',
} as const;

/** window.datamotionDesktop: present only in the desktop app. */
export interface DesktopBridge {
  restPort(): Promise<IpcResult<RestPortView>>;
  setRestPort(update: RestPortUpdate): Promise<IpcResult<RestPortView>>;
  onEngineStatus(listener: (status: EngineStatus) => void): () => void;
}
