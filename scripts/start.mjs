// npm start: the desktop window where the Electron binary is installed; otherwise the same
// UI in serve mode (REST + the web UI on 127.0.0.1), saying so and where to open it.
//   DATAMOTION_START=serve    always serve mode
//   DATAMOTION_START=desktop  always the window (fails, with the reason, without Electron)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { locateElectronBinary } from './lib/electron-abi.mjs';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const mode = process.env.DATAMOTION_START ?? 'auto';
if (!['auto', 'serve', 'desktop'].includes(mode)) {
  console.error(`DATAMOTION_START must be "auto", "serve" or "desktop", not "${mode}"`);
  process.exit(2);
}

function run(script, scriptArgs) {
  const child = spawn(process.execPath, [join(root, script), ...scriptArgs], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

const electron =
  mode === 'serve' ? undefined : await locateElectronBinary(join(root, 'node_modules', 'electron'));
if (mode === 'desktop' || electron?.ok) {
  run('scripts/desktop.mjs', args);
} else {
  if (electron) {
    console.log(
      `DataMotion: no Electron binary here (${electron.reason}), so starting serve mode instead: ` +
        'the same UI in your browser at the URL below. `npm run desktop` opens the window where ' +
        'Electron is installed; DATAMOTION_START=serve skips this check.',
    );
  }
  run('bin/datamotion.mjs', ['serve', ...args]);
}
