import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, listMigrations, openDatabase } from '../../core/db/database.ts';

describe('database', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => {
    const d = mkdtempSync(join(tmpdir(), 'dm-db-'));
    dirs.push(d);
    return join(d, 'meta.db');
  };

  it('opens a real file in WAL mode with foreign keys and every migration applied once', () => {
    const f = file();
    const db = openDatabase(f);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual(listMigrations().map((m) => m.version));
    expect(applyMigrations(db)).toEqual([]);
    db.close();
    const again = openDatabase(f);
    expect(again.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(versions.length);
    again.close();
  });

  it('has every table of the data model', () => {
    const db = openDatabase(file());
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    for (const t of [
      'locations',
      'datasets',
      'replicas',
      'migration_jobs',
      'job_objects',
      'job_events',
      'access_aggregates',
      'recommendations',
      'policies',
      'models',
      'outbox',
    ]) {
      expect(tables).toContain(t);
    }
    db.close();
  });

  it('numbers migrations without gaps, one file each', () => {
    const versions = listMigrations().map((m) => m.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('enforces one primary replica per dataset and the tier check', () => {
    const db = openDatabase(file());
    const now = Date.now();
    db.prepare(
      `INSERT INTO locations (id, uri, kind, tiers_json, created_at) VALUES ('l', 'file:///x', 'file', '{}', ?)`,
    ).run(now);
    db.prepare(
      `INSERT INTO datasets (name, path_uri, location_id, created_at, updated_at) VALUES ('d', 'file:///x/d', 'l', ?, ?)`,
    ).run(now, now);
    const addPrimary = (uri: string) =>
      db
        .prepare(
          `INSERT INTO replicas (dataset_id, location_id, uri, role, created_at, updated_at) VALUES (1, 'l', ?, 'primary', ?, ?)`,
        )
        .run(uri, now, now);
    addPrimary('file:///x/d');
    expect(() => addPrimary('file:///x/e')).toThrow(/UNIQUE/);
    expect(() => db.prepare(`UPDATE datasets SET current_tier = 'lukewarm'`).run()).toThrow(/CHECK/);
    db.close();
  });
});
