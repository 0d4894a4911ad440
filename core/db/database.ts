import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

/**
 * The SQL migrations sit beside this module: core/db/migrations from source, and
 * dist-electron/migrations in the Electron bundle, where scripts/build-electron.mjs copies
 * them next to the bundled code (import.meta.url then points into dist-electron/).
 */
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface OpenOptions {
  /**
   * better-sqlite3's compiled addon to load instead of the one in node_modules: the Electron
   * app passes one built for Electron's ABI, while Node (tests, serve) keeps the default.
   */
  nativeBinding?: string;
  migrationsDir?: string;
}

/** Opens (creating if needed) the metadata database: WAL, foreign keys, migrations applied. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  // Checked before the file is created: a build that lost its migrations must say so, not
  // leave behind an empty database that a later, fixed build would have to repair.
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  listMigrations(migrationsDir);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  try {
    applyMigrations(db, migrationsDir);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered migrations in `dir`; a missing or empty folder is an error that says where it looked. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f)) : [];
  if (files.length === 0) {
    throw new Error(
      `the database migrations are missing: no NNN-name.sql files in ${dir} ` +
        '(a build must copy core/db/migrations next to its bundle; see scripts/build-electron.mjs)',
    );
  }
  return files.sort().map((f) => ({
    version: Number(f.slice(0, 3)),
    name: f.replace(/\.sql$/, ''),
    sql: readFileSync(join(dir, f), 'utf8'),
  }));
}

/** Applies each numbered migration once, each in its own transaction. */
export function applyMigrations(db: Db, dir = MIGRATIONS_DIR): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const done = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  const applied: number[] = [];
  for (const m of listMigrations(dir)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    })();
    applied.push(m.version);
  }
  return applied;
}
