import type { ChannelClient } from './channels.ts';
import type { CoreEvent } from './events.ts';

export { IPC_EVENT_CHANNEL } from './channels.ts';

/** Whether live events are arriving: the UI shows it, and reloads its lists on each `live`. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/**
 * What the renderer knows of the engine. Inside Electron it is the preload bridge
 * (IPC); in a browser and in tests it is HTTP + SSE. Same operations, same shapes, same
 * errors (ApiError): every operation comes from the channel map (channels.ts).
 */
export type Client = ChannelClient & {
  /**
   * Live events; returns an unsubscribe function. `onState` hears the connection's
   * state; each `live` follows a (re)connect, after which lists should be read again
   * to catch up on what happened while disconnected.
   */
  subscribe(onEvent: (event: CoreEvent) => void, onState?: (state: ConnectionState) => void): () => void;
};
