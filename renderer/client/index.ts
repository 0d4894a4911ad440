import type { IpcBridge } from '../../core/contracts/channels.ts';
import type { DesktopBridge } from '../../core/contracts/desktop.ts';
import type { Client } from '../../core/contracts/client.ts';
import type { ApiError } from '../../core/contracts/api-error.ts';
import { sessionKeyStore, type KeyStore } from './api-key.ts';
import { httpClient } from './http-client.ts';
import { ipcClient } from './ipc-client.ts';

export { ApiError } from '../../core/contracts/api-error.ts';
export type { Client, ConnectionState } from '../../core/contracts/client.ts';
export type { KeyStore } from './api-key.ts';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    datamotionIpc?: IpcBridge;
    /** The desktop-only calls (REST port, engine state); absent in a browser. */
    datamotionDesktop?: DesktopBridge;
  }
}

export interface Transport {
  client: Client;
  kind: 'ipc' | 'http';
  /** Only over HTTP: where the API key lives. */
  keys: KeyStore | null;
}

/** Inside Electron the preload bridge, elsewhere HTTP + SSE against the page's own origin. */
export function defaultTransport(onUnauthorized: (e: ApiError) => void): Transport {
  if (window.datamotionIpc)
    return { client: ipcClient(window.datamotionIpc, window.datamotionDesktop), kind: 'ipc', keys: null };
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // Storage disabled: the key lives in memory for this page.
  }
  const keys = sessionKeyStore(storage);
  return { client: httpClient({ keys, onUnauthorized }), kind: 'http', keys };
}
