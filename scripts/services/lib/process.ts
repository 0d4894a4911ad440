// Child processes for the development services: one-shot install commands and
// long-running servers. Servers run in their own process group under a small
// bash watchdog, so stopping a service (or losing its parent, even to SIGKILL)
// never leaves a JVM or a Python server behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** Where a server's stdout and stderr go: the terminal (prefixed) or a log file. */
export type OutputSink = { kind: 'console'; prefix: string } | { kind: 'file'; path: string };

export interface ServerProcess {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the server ends, for any reason. */
  readonly exited: Promise<string>;
  /** The last lines the server printed, for error messages. */
  recentOutput(): string;
  /** SIGTERM to the server, then SIGKILL to its group after `graceMs`. Resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<number>();
let exitHookInstalled = false;

// A last resort for an abrupt exit of the parent: SIGKILL every group still known.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of live) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

// bash stays as the group leader: it forwards SIGTERM/SIGINT to the server and
// ends the server when the parent (WATCH_PID) is gone.
const WATCHDOG = `
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$WATCH_PID" 2>/dev/null; then kill -TERM "$child" 2>/dev/null; break; fi
  sleep 1 & wait $!
done
wait "$child"
`;

class RingBuffer {
  private lines: string[] = [];
  constructor(private readonly size: number) {}
  push(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim() !== '') this.lines.push(line);
    if (this.lines.length > this.size) this.lines.splice(0, this.lines.length - this.size);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

function attachOutput(child: ChildProcess, sink: OutputSink, ring: RingBuffer): WriteStream | undefined {
  const file = sink.kind === 'file' ? createWriteStream(sink.path, { flags: 'a' }) : undefined;
  const forward = (target: NodeJS.WriteStream) => (data: Buffer) => {
    const text = data.toString('utf8');
    ring.push(text);
    if (file) file.write(data);
    else if (sink.kind === 'console') {
      const lines = text.split('\n').filter((l) => l !== '');
      target.write(lines.map((l) => `${sink.prefix}${l}\n`).join(''));
    }
  };
  child.stdout?.on('data', forward(process.stdout));
  child.stderr?.on('data', forward(process.stderr));
  return file;
}

export interface StartServerOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output: OutputSink;
}

export function startServer(command: string, args: string[], options: StartServerOptions): ServerProcess {
  installExitHook();
  const child = spawn('bash', ['-c', WATCHDOG, 'watchdog', command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, WATCH_PID: String(process.pid) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start ${command}: spawn returned no pid.`);
  live.add(pid);
  const ring = new RingBuffer(40);
  const file = attachOutput(child, options.output, ring);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => ring.push(String(err)));
    child.once('close', (code, signal) => {
      live.delete(pid);
      // The watchdog is gone; make sure nothing else in its group survived it.
      killGroup(pid, 'SIGKILL');
      file?.end();
      resolve(signal ?? String(code));
    });
  });
  return {
    pid,
    exited,
    recentOutput: () => ring.text(),
    async stop(graceMs = 15_000) {
      if (!live.has(pid)) return void (await exited);
      // Only the watchdog: it forwards one SIGTERM to the server. Signalling the
      // whole group would hand the server two, and some (moto) then crash noisily.
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion and returns its stdout; rejects with its output tail when it fails. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; label: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const ring = new RingBuffer(30);
    let stdout = '';
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      ring.push(d.toString('utf8'));
    });
    child.stderr.on('data', (d: Buffer) => ring.push(d.toString('utf8')));
    child.once('error', (err) =>
      reject(new Error(`${options.label}: cannot run ${command}: ${err.message}`)),
    );
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${options.label} failed (${command} exited ${code}):\n${ring.text()}`));
    });
  });
}

/**
 * Polls `probe` until it answers true. Fails early when the server exits, and
 * after `timeoutMs` with the server's last output.
 */
export async function waitUntilReady(
  name: string,
  server: ServerProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exitedWith: string | undefined;
  void server.exited.then((code) => (exitedWith = code));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${name} exited (${exitedWith}) before it answered:\n${server.recentOutput()}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await server.stop(2_000);
  throw new Error(
    `${name} did not answer within ${timeoutMs / 1000}s (last probe: ${lastError}):\n${server.recentOutput()}`,
  );
}
