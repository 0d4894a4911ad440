// Electron main: window, app lifecycle, IPC. Everything else is core/, started
// from the same createCore() as the REST server and the CLI.
import { app, BrowserWindow, dialog, ipcMain, protocol, net, session, shell } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCore } from '../core/create-core.ts';
import { CHANNEL_NAMES, IPC_EVENT_CHANNEL } from '../core/contracts/channels.ts';
import { ipcHandlers, isTrustedSender, toIpcError } from './ipc.ts';

const SCHEME = 'datamotion';
const APP_ORIGIN = `${SCHEME}://app`;
const RENDERER_DIR = join(import.meta.dirname, '..', 'dist', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true } }]);

async function main(): Promise<void> {
  await app.whenReady();
  const core = createCore({
    dataDir: process.env.DATAMOTION_DATA_DIR ?? join(app.getPath('userData'), 'data'),
  });

  // Serve the renderer from a custom protocol instead of file://, never outside its folder.
  protocol.handle(SCHEME, (req) => {
    const path = normalize(join(RENDERER_DIR, new URL(req.url).pathname));
    if (!path.startsWith(RENDERER_DIR + sep)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(path).href);
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, done) => done(false));

  const handlers = ipcHandlers(core);
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, APP_ORIGIN))
        return { ok: false, error: { error: 'forbidden', message: 'untrusted sender' } };
      try {
        return { ok: true, value: await handlers[channel](...args) };
      } catch (e) {
        return { ok: false, error: toIpcError(e) };
      }
    });
  }

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'DataMotion',
    webPreferences: {
      preload: join(import.meta.dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  const unsubscribe = core.bus.onAny((event) => win.webContents.send(IPC_EVENT_CHANNEL, event));
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(APP_ORIGIN)) e.preventDefault();
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  app.on('window-all-closed', () => {
    unsubscribe();
    // Quit even when closing the core fails, and say why instead of hanging silently.
    core
      .close()
      .catch((e: unknown) => console.error('DataMotion: closing the core failed:', e))
      .finally(() => app.quit());
  });
}

// A failed start (data folder unreadable, database locked) must not leave a windowless
// process behind: show what failed and exit.
main().catch((e: unknown) => {
  console.error('DataMotion could not start:', e);
  dialog.showErrorBox('DataMotion could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
});
