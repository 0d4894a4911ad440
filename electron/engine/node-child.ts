// The engine as a plain Node child process (tests, benchmarks, and wherever Electron's
// utilityProcess is not available). Same protocol, structured-clone serialization.
import { fork } from 'node:child_process';
import type { EngineChild } from './client.ts';
import type { FromEngine } from './protocol.ts';

export interface NodeEngineOptions {
  /** dist-electron/engine.js, or electron/engine/entry.ts (then run with tsx). */
  entry: string;
  env?: NodeJS.ProcessEnv;
  /** Passes the child's output through (default) or drops it. */
  silent?: boolean;
}

export function forkNodeEngine(options: NodeEngineOptions): EngineChild {
  const execArgv = options.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = fork(options.entry, [], {
    execArgv,
    env: options.env ?? process.env,
    serialization: 'advanced',
    stdio: options.silent ? ['ignore', 'ignore', 'ignore', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    pid: child.pid,
    post: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as FromEngine)),
    onExit: (listener) => child.on('exit', (code, signal) => listener(code, signal)),
    kill: () => void child.kill('SIGKILL'),
  };
}
