import { readFileSync } from 'node:fs';

// Set by scripts/build-electron.mjs: a bundle does not sit where package.json is relative
// to its own file, so the version is written into it at build time.
declare const __DATAMOTION_VERSION__: string | undefined;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The product version (package.json's), reported by /health and the desktop's IPC. */
export const VERSION: string =
  typeof __DATAMOTION_VERSION__ === 'string' ? __DATAMOTION_VERSION__ : packageVersion();
