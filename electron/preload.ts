// The preload exposes named, typed functions only, never ipcRenderer itself: one per
// channel of the channel map, the event feed, and the desktop-only calls.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNEL_NAMES, IPC_EVENT_CHANNEL, type IpcBridge } from '../core/contracts/channels.ts';
import { DESKTOP_CHANNELS, type DesktopBridge, type EngineStatus } from '../core/contracts/desktop.ts';
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

const desktop: DesktopBridge = {
  restPort: () => ipcRenderer.invoke(DESKTOP_CHANNELS.restPort),
  setRestPort: (update) => ipcRenderer.invoke(DESKTOP_CHANNELS.setRestPort, update),
  onEngineStatus(listener) {
    const wrapped = (_e: unknown, status: EngineStatus) => listener(status);
    ipcRenderer.on(DESKTOP_CHANNELS.engineStatus, wrapped);
    return () => ipcRenderer.off(DESKTOP_CHANNELS.engineStatus, wrapped);
  },
};

contextBridge.exposeInMainWorld('datamotionIpc', api);
contextBridge.exposeInMainWorld('datamotionDesktop', desktop);
