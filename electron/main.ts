// Electron main: windows, app lifecycle and IPC routing only. The engine (createCore: SQLite,
// the mover, hashing, the optional REST port) runs in a utilityProcess and answers over its
// message port, so a large migration never stalls the window. Security decisions are the
// pure functions of guards.ts; this file only wires them into Electron.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  protocol,
  safeStorage,
  session,
  shell,
  utilityProcess,
  type WebContents,
} from 'electron';
import { CHANNEL_NAMES, IPC_EVENT_CHANNEL } from '../core/contracts/channels.ts';
import { DESKTOP_CHANNELS, type EngineStatus } from '../core/contracts/desktop.ts';
import { DataMotionError } from '../core/errors.ts';
import { KeyFileSealer, keySealer } from '../core/catalog/secret-store.ts';
import { EngineClient, type EngineChild } from './engine/client.ts';
import type { FromEngine } from './engine/protocol.ts';
import { APP_ENTRY, APP_SCHEME, allowNavigation, allowPermission, windowOpenDecision } from './guards.ts';
import { routeIpc } from './ipc-router.ts';
import { rendererResponse } from './renderer-files.ts';
import { openDataKey } from './data-key.ts';
import { DesktopSettings } from './desktop-settings.ts';
import { DesktopService } from './desktop-service.ts';

const BUNDLE_DIR = import.meta.dirname; // dist-electron/
const RENDERER_DIR = join(BUNDLE_DIR, '..', 'dist', 'renderer');
const ENGINE_ENTRY = join(BUNDLE_DIR, 'engine.js');

// A separate profile (settings, logs, the single-instance lock) for tests and portable use.
if (process.env.DATAMOTION_USER_DATA_DIR) app.setPath('userData', process.env.DATAMOTION_USER_DATA_DIR);

// Before ready: the app's own scheme, standard (relative URLs, an origin) and secure.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

let window: BrowserWindow | undefined;
let engine: EngineClient | undefined;
let lastStatus: EngineStatus | undefined;
let quitState: 'running' | 'stopping' | 'stopped' = 'running';
let logDir = '';

function logMain(message: string, error?: unknown): void {
  const line = `${new Date().toISOString()} ${message}${error ? `: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` : ''}\n`;
  console.error(line.trimEnd());
  try {
    if (logDir) appendFileSync(join(logDir, 'main.log'), line);
  } catch {
    // The console has it.
  }
}

/** The engine as an Electron utilityProcess: Node in its own process, talking over a MessagePort. */
function spawnEngine(): EngineChild {
  const child = utilityProcess.fork(ENGINE_ENTRY, [], { serviceName: 'DataMotion engine', stdio: 'inherit' });
  return {
    get pid() {
      return child.pid;
    },
    post: (m) => child.postMessage(m),
    onMessage: (listener) => child.on('message', (m: FromEngine) => listener(m)),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => void child.kill(),
  };
}

/** Every webContents, present and future: no navigation away, no new windows, no webviews. */
function guardContents(contents: WebContents): void {
  const refuse = (e: { preventDefault(): void }, url: string) => {
    if (!allowNavigation(url)) {
      e.preventDefault();
      logMain(`refused navigation to ${url.slice(0, 200)}`);
    }
  };
  contents.on('will-navigate', refuse);
  contents.on('will-redirect', refuse);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    // Reviewed: only a URL that passed the exact https host allow-list (guards.ts, tested with
    // hostile URLs in test/electron/guards.test.ts) reaches the OS.
    if (decision.openExternal) void shell.openExternal(decision.openExternal); // eng-disable OPEN_EXTERNAL_JS_CHECK
    return { action: 'deny' };
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'DataMotion',
    show: false,
    webPreferences: {
      preload: join(BUNDLE_DIR, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    window = undefined;
  });
  return win;
}

function focusWindow(): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.focus();
}

function registerIpc(core: EngineClient, desktop: DesktopService): void {
  const internal = (e: unknown) => logMain('IPC call failed', e);
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, (event, ...args: unknown[]) =>
      routeIpc(event, () => core.call(channel, args), internal),
    );
  }
  ipcMain.handle(DESKTOP_CHANNELS.restPort, (event, ...args: unknown[]) =>
    routeIpc(
      event,
      () => {
        if (args.length > 0) throw new DataMotionError('invalid_input', 'takes no arguments', 'args');
        return desktop.view();
      },
      internal,
    ),
  );
  ipcMain.handle(DESKTOP_CHANNELS.setRestPort, (event, ...args: unknown[]) =>
    routeIpc(
      event,
      () => {
        if (args.length !== 1) throw new DataMotionError('invalid_input', 'takes one argument', 'args');
        return desktop.update(args[0]);
      },
      internal,
    ),
  );
}

async function main(): Promise<void> {
  await app.whenReady();
  const userData = app.getPath('userData');
  logDir = join(userData, 'logs');
  mkdirSync(logDir, { recursive: true });
  const dataDir = process.env.DATAMOTION_DATA_DIR ?? join(userData, 'data');
  mkdirSync(dataDir, { recursive: true });

  for (const s of [session.defaultSession]) {
    s.setPermissionRequestHandler((_wc, permission, done) => done(allowPermission(permission)));
    s.setPermissionCheckHandler((_wc, permission) => allowPermission(permission));
  }
  protocol.handle(APP_SCHEME, (req) => rendererResponse(RENDERER_DIR, req.url));

  const key = openDataKey(dataDir, safeStorage);
  if (key.protection === 'key-file') logMain(`cloud credentials sealed with a key file: ${key.reason}`);
  const sealer =
    key.protection === 'os-keychain' ? keySealer(key.key, key.where) : new KeyFileSealer(dataDir);
  const settings = new DesktopSettings(join(userData, 'desktop-settings.json'), sealer);
  if (settings.loadProblem) logMain(settings.loadProblem);

  const client = new EngineClient({
    spawn: spawnEngine,
    init: {
      dataDir,
      logFile: join(logDir, 'engine.log'),
      webDir: RENDERER_DIR,
      ...(key.protection === 'os-keychain'
        ? { sealKey: key.key.toString('base64'), sealKeyWhere: key.where }
        : {}),
      ...(process.env.DATAMOTION_SQLITE_BINDING
        ? { sqliteBinding: process.env.DATAMOTION_SQLITE_BINDING }
        : {}),
    },
  });
  engine = client;
  client.onEvent((event) => window?.webContents.send(IPC_EVENT_CHANNEL, event));
  client.onStatus((status) => {
    lastStatus = status;
    if (status.state !== 'running')
      logMain(`engine ${status.state}${'reason' in status ? `: ${status.reason}` : ''}`);
    window?.webContents.send(DESKTOP_CHANNELS.engineStatus, status);
  });
  await client.start();

  const desktop = new DesktopService(settings, client, {
    protection: key.protection,
    ...(key.protection === 'key-file' ? { note: key.reason } : {}),
  });
  await desktop.restore();
  registerIpc(client, desktop);

  window = createWindow();
  window.webContents.on('did-finish-load', () => {
    if (lastStatus) window?.webContents.send(DESKTOP_CHANNELS.engineStatus, lastStatus);
  });
  await window.loadURL(APP_ENTRY);
}

// Two movers on one database must never happen: a second start focuses the first window.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_e, contents) => guardContents(contents));
  app.on('window-all-closed', () => app.quit());
  // Every quit path (menu, Cmd+Q, last window, OS logout, signals) passes here: stop the
  // engine first — the mover leaves running jobs resumable and the database closes — then quit.
  app.on('before-quit', (e) => {
    if (quitState === 'stopped' || !engine) return;
    e.preventDefault();
    if (quitState === 'stopping') return;
    quitState = 'stopping';
    engine
      .stop()
      .catch((err: unknown) => logMain('stopping the engine failed', err))
      .finally(() => {
        quitState = 'stopped';
        app.quit();
      });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  // A failed start (data folder unreadable, database locked, migrations missing) must not
  // leave a windowless process behind: say what failed and where the log is, then exit.
  main().catch((e: unknown) => {
    logMain('DataMotion could not start', e);
    const reason = e instanceof Error ? e.message : String(e);
    dialog.showErrorBox(
      'DataMotion could not start',
      `${reason}\n\nLogs: ${logDir ? join(logDir, 'main.log') : 'standard error'}${logDir ? ` and ${join(logDir, 'engine.log')}` : ''}`,
    );
    void engine?.stop().finally(() => app.exit(1));
    if (!engine) app.exit(1);
  });
}
