// Types for electron-abi.mjs (plain JS so `node scripts/desktop.mjs` and the electron-builder
// hook run it without a TypeScript loader; the tests import it through these declarations).
export declare const BINDING_FILE: 'better_sqlite3.node';

export interface BindingLocation {
  dir: string;
  binding: string;
  stamp: string;
  work: string;
}
export declare function bindingLocation(root: string, electronVersion: string, arch: string): BindingLocation;

export type Stamp = {
  electronVersion: string;
  arch: string;
  platform: string;
  betterSqlite3Version: string;
};
export declare function expectedStamp(stamp: Stamp): Stamp;
export declare function staleReason(
  found: { bindingExists: boolean; stamp: Record<string, unknown> | null },
  expected: Stamp,
): string | null;

export declare function installedVersions(
  root: string,
): Promise<{ electronVersion: string; betterSqlite3Version: string }>;

export declare function locateElectronBinary(
  electronPackageDir: string,
): Promise<{ ok: true; path: string } | { ok: false; reason: string }>;
export declare function missingElectronMessage(reason: string): string;

export declare function ensureElectronBinding(options: {
  root: string;
  arch?: string;
  platform?: string;
  electronVersion?: string;
  force?: boolean;
  log?: (line: string) => void;
}): Promise<string>;
