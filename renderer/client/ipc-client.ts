import { ApiError } from '../../core/contracts/api-error.ts';
import {
  CHANNEL_NAMES,
  type ChannelClient,
  type IpcBridge,
  type IpcResult,
} from '../../core/contracts/channels.ts';
import type { Client } from '../../core/contracts/client.ts';
import type { DesktopBridge } from '../../core/contracts/desktop.ts';

/** An IPC answer's value, or its error rethrown as ApiError (as the HTTP client throws). */
export async function unwrapIpc<T>(answer: Promise<IpcResult<T>>): Promise<T> {
  const res = await answer;
  if (!res.ok) throw ApiError.fromBody(res.error);
  return res.value;
}

/**
 * The Client over Electron IPC: the preload's bridge answers `{ok, value}` or
 * `{ok: false, error: {error, message, field}}`; errors are rethrown as ApiError, the
 * same class the HTTP client throws, so views handle both transports alike.
 */
export function ipcClient(bridge: IpcBridge, desktop?: DesktopBridge): Client {
  const calls = Object.fromEntries(
    CHANNEL_NAMES.map((name) => [
      name,
      (...args: unknown[]) => {
        // The channel map types each entry; here every call only passes its answer through.
        const call = bridge[name] as (...a: unknown[]) => Promise<IpcResult<unknown>>;
        return unwrapIpc(call(...args));
      },
    ]),
  ) as unknown as ChannelClient;
  return {
    ...calls,
    subscribe(onEvent, onState) {
      // The window's link to main cannot drop, but the engine process behind it can restart:
      // while it does, the state is "reconnecting"; once it runs again, "live" reloads the lists.
      onState?.('live');
      const stopEvents = bridge.onEvent(onEvent);
      const stopStatus = desktop?.onEngineStatus((status) => {
        if (status.state === 'running') onState?.('live');
        else if (status.state === 'restarting' || status.state === 'failed') onState?.('reconnecting');
      });
      return () => {
        stopEvents();
        stopStatus?.();
      };
    },
  };
}
