import { ApiError } from '../../core/contracts/api-error.ts';
import { CHANNEL_NAMES, type ChannelClient, type IpcBridge } from '../../core/contracts/channels.ts';
import type { Client } from '../../core/contracts/client.ts';

/**
 * The Client over Electron IPC: the preload's bridge answers `{ok, value}` or
 * `{ok: false, error: {error, message, field}}`; errors are rethrown as ApiError, the
 * same class the HTTP client throws, so views handle both transports alike.
 */
export function ipcClient(bridge: IpcBridge): Client {
  const calls = Object.fromEntries(
    CHANNEL_NAMES.map((name) => [
      name,
      async (...args: unknown[]) => {
        const call = bridge[name] as (
          ...a: unknown[]
        ) => Promise<Awaited<ReturnType<IpcBridge[typeof name]>>>;
        const res = await call(...args);
        if (!res.ok) throw ApiError.fromBody(res.error);
        return res.value;
      },
    ]),
  ) as unknown as ChannelClient;
  return {
    ...calls,
    subscribe(onEvent, onState) {
      // IPC has no connection to lose: live as long as the window exists.
      onState?.('live');
      return bridge.onEvent(onEvent);
    },
  };
}
