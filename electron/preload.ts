// The preload exposes named, typed functions only, never ipcRenderer itself: one per
// channel of the channel map, plus the event feed.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNEL_NAMES, IPC_EVENT_CHANNEL, type IpcBridge } from '../core/contracts/channels.ts';
import type { CoreEvent } from '../core/contracts/events.ts';

const bridge = Object.fromEntries(
  CHANNEL_NAMES.map((name) => [name, (...args: unknown[]) => ipcRenderer.invoke(name, ...args)]),
) as unknown as Omit<IpcBridge, 'onEvent'>;

const api: IpcBridge = {
  ...bridge,
  onEvent(listener) {
    const wrapped = (_e: unknown, event: CoreEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, wrapped);
  },
};

contextBridge.exposeInMainWorld('datamotionIpc', api);
