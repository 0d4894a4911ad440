// Bundles the Electron layer into dist-electron/:
//   main.js      the main process (windows, IPC routing),
//   engine.js    the engine process (createCore) main starts as a utilityProcess,
//   preload.cjs  one CommonJS file: sandboxed preloads cannot require anything but 'electron',
//   migrations/  the SQL migrations, beside the bundled database code that reads them.
// npm packages stay external (node_modules ships with the app); our own code is bundled.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = process.argv[2] ?? join(root, 'dist-electron');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  define: { __DATAMOTION_VERSION__: JSON.stringify(version) },
};
const esm = {
  ...common,
  format: 'esm',
  packages: 'external',
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
};
await build({ ...esm, entryPoints: ['electron/main.ts'], outfile: join(out, 'main.js') });
await build({ ...esm, entryPoints: ['electron/engine/entry.ts'], outfile: join(out, 'engine.js') });
await build({
  ...common,
  entryPoints: ['electron/preload.ts'],
  outfile: join(out, 'preload.cjs'),
  format: 'cjs',
  external: ['electron'],
});

const migrations = join(root, 'core', 'db', 'migrations');
mkdirSync(join(out, 'migrations'), { recursive: true });
for (const f of readdirSync(migrations).filter((f) => f.endsWith('.sql'))) {
  copyFileSync(join(migrations, f), join(out, 'migrations', f));
}
console.log(`built ${out}: main.js, engine.js, preload.cjs, migrations/ (${version})`);
