// The engine process: createCore, the IPC handler map, the bus events and the optional REST
// port, driven by messages from main. Runs as an Electron utilityProcess (process.parentPort)
// or as a Node child with an IPC channel (tests, benchmarks) — it never imports 'electron'.
import { createWriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createCore, type Core } from '../../core/create-core.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { keySealer } from '../../core/catalog/secret-store.ts';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import { ipcHandlers, toIpcError, type IpcHandler } from '../ipc.ts';
import type { ChannelName } from '../../core/contracts/channels.ts';
import type { EngineInit, FromEngine, RestSettings, RestStatus, ToEngine } from './protocol.ts';

export interface EnginePort {
  post(message: FromEngine): void;
  onMessage(listener: (message: ToEngine) => void): void;
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** The channel to main: Electron's utilityProcess port, or Node's IPC when forked. */
export function parentPort(): EnginePort {
  const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (port) {
    return {
      post: (m) => port.postMessage(m),
      onMessage: (listener) => port.on('message', (e) => listener(e.data as ToEngine)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) {
    throw new Error(
      'the DataMotion engine runs under the desktop app (or a Node parent with an IPC channel); ' +
        'to run the engine alone, use "datamotion serve"',
    );
  }
  return {
    post: (m) => void send(m),
    onMessage: (listener) => process.on('message', (m) => listener(m as ToEngine)),
  };
}

function engineLogger(init: EngineInit): Logger {
  const level = init.logLevel ?? 'info';
  if (!init.logFile) return createLogger(level);
  mkdirSync(dirname(init.logFile), { recursive: true });
  return createLogger(level, createWriteStream(init.logFile, { flags: 'a' }));
}

/** Serves one engine: answers calls, forwards events, stops cleanly on shutdown. */
export function runEngine(port: EnginePort, exit: (code: number) => void = (c) => process.exit(c)): void {
  let core: Core | undefined;
  let handlers: Record<ChannelName, IpcHandler> | undefined;
  let logger: Logger | undefined;
  let rest: RunningServer | undefined;
  let init: EngineInit | undefined;
  let stopping = false;

  const fatal = (message: string) => {
    logger?.error({ reason: message }, 'engine: fatal');
    port.post({ type: 'fatal', message });
  };

  async function setRest(settings: RestSettings): Promise<RestStatus> {
    if (!core || !init) throw new Error('the engine is not started');
    if (rest) {
      await rest.close();
      rest = undefined;
    }
    if (!settings.enabled) return { enabled: false };
    // Any local user can reach loopback: the desktop's port always requires its key.
    if (settings.apiKey.length < 32)
      throw new Error('the REST port needs an API key of 32 characters or more');
    try {
      rest = await startServer(core, {
        host: '127.0.0.1',
        port: settings.port,
        apiKey: settings.apiKey,
        ...(init.webDir ? { webDir: init.webDir } : {}),
      });
      logger?.info({ url: rest.url }, 'REST port open');
      return { enabled: true, url: rest.url };
    } catch (e) {
      return { enabled: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  async function shutdown(): Promise<void> {
    if (stopping) return;
    stopping = true;
    try {
      await rest?.close();
      await core?.close();
    } catch (e) {
      logger?.error({ err: e }, 'engine: closing failed');
    }
    port.post({ type: 'closed' });
    // Let the message leave before the process does.
    setTimeout(() => exit(0), 20);
  }

  port.onMessage((message) => {
    switch (message.type) {
      case 'init': {
        if (core) return;
        init = message.init;
        try {
          logger = engineLogger(init);
          core = createCore({
            dataDir: init.dataDir,
            logger,
            ...(init.sealKey
              ? {
                  sealer: keySealer(
                    Buffer.from(init.sealKey, 'base64'),
                    init.sealKeyWhere ?? 'the desktop key',
                  ),
                }
              : {}),
            ...(init.sqliteBinding ? { sqliteBinding: init.sqliteBinding } : {}),
            ...(init.locations ? { locations: init.locations } : {}),
            ...(init.mover ? { mover: init.mover } : {}),
          });
        } catch (e) {
          fatal(e instanceof Error ? e.message : String(e));
          return;
        }
        handlers = ipcHandlers(core);
        core.bus.onAny((event) => port.post({ type: 'event', event }));
        port.post({ type: 'ready', pid: process.pid });
        return;
      }
      case 'call': {
        const { id, channel, args } = message;
        const handler = handlers && Object.hasOwn(handlers, channel) ? handlers[channel] : undefined;
        if (!handler) {
          const error = handlers
            ? { error: 'invalid_input', message: `unknown operation "${String(channel)}"`, field: 'channel' }
            : { error: 'unavailable', message: 'the engine is not started' };
          port.post({ type: 'result', id, ok: false, error });
          return;
        }
        Promise.resolve()
          .then(() => handler(...args))
          .then(
            (value) => port.post({ type: 'result', id, ok: true, value }),
            (e: unknown) => {
              const error = toIpcError(e);
              if (error.error === 'internal') logger?.error({ err: e, channel }, 'engine: call failed');
              port.post({ type: 'result', id, ok: false, error });
            },
          );
        return;
      }
      case 'rest':
        setRest(message.settings).then(
          (value) => port.post({ type: 'result', id: message.id, ok: true, value }),
          (e: unknown) =>
            port.post({
              type: 'result',
              id: message.id,
              ok: false,
              error: { error: 'invalid_input', message: e instanceof Error ? e.message : String(e) },
            }),
        );
        return;
      case 'shutdown':
        void shutdown();
        return;
    }
  });

  // Main went away without a shutdown (a Node parent killed): stop like a quit would.
  process.on('disconnect', () => void shutdown());
  process.on('uncaughtException', (e) => {
    fatal(`the engine failed: ${e.message}`);
    setTimeout(() => exit(1), 20);
  });
}
