import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatabaseTarget, PostgresTarget, SqliteTarget } from '../../config/database-url.ts';
import { openSqlite } from '../dialect/sqlite.ts';
import type { Engine } from '../engine.ts';
import { MemoryDatabaseError } from './errors.ts';
import { requireDatabaseFile } from './require-database-file.ts';
import { runPostgresTool } from './run-postgres-tool.ts';
import { writeNewFile } from './write-new-file.ts';

/** How far a backup has got: SQLite counts pages, pg_dump only bytes (it cannot know the total). */
export type BackupProgress =
  | { readonly engine: 'sqlite'; readonly pagesDone: number; readonly totalPages: number }
  | { readonly engine: 'postgres'; readonly bytesWritten: number };

export interface BackupDatabaseParams {
  readonly target: DatabaseTarget;
  /** Where the backup goes; it must not exist. Its folder is created. */
  readonly file: string;
  /** How long to wait for a SQLite writer to let go; 5 s by default. */
  readonly sqliteBusyTimeoutMs?: number;
  readonly onProgress?: (progress: BackupProgress) => void;
}

export interface BackupDatabaseReturnType {
  readonly engine: Engine;
  readonly file: string;
  readonly bytes: number;
  readonly durationMs: number;
}

/** The file extension of each engine's backups: a pg_dump custom archive, a SQLite file. */
export const BACKUP_EXTENSIONS: Readonly<Record<Engine, string>> = {
  postgres: 'dump',
  sqlite: 'db',
};

/**
 * Pages copied per step of SQLite's online backup. Between steps the source is free for
 * other connections; a write by another process restarts the copy, so a step is large
 * (about 4 MB) to finish between the gateway's writes.
 */
const SQLITE_PAGES_PER_STEP = 1000;

/**
 * Backs up the database to a new file while it is in use: SQLite through its online backup
 * API, PostgreSQL through `pg_dump --format=custom` (for `pg_restore`). Refuses to overwrite
 * a file (`BackupFileExistsError`); throws `DatabaseToolMissingError` without pg_dump.
 */
export async function backupDatabase(
  params: BackupDatabaseParams,
): Promise<BackupDatabaseReturnType> {
  const started = performance.now();
  const { target } = params;
  if (target.engine === 'sqlite') {
    if (target.filename === ':memory:') throw new MemoryDatabaseError('back up');
    requireDatabaseFile(target);
  }
  await writeNewFile(params.file, (temporaryPath) =>
    target.engine === 'sqlite'
      ? backupSqlite(target, temporaryPath, params)
      : backupPostgres(target, temporaryPath, params),
  );
  return {
    engine: target.engine,
    file: params.file,
    bytes: statSync(params.file).size,
    durationMs: Math.round(performance.now() - started),
  };
}

/** `<cwd>/backups/ctrip-<engine>-<UTC time>.<dump|db>`, e.g. `ctrip-sqlite-20261127T130502Z.db`. */
export function nameBackupFile(engine: Engine, cwd: string, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(cwd, 'backups', `ctrip-${engine}-${stamp}.${BACKUP_EXTENSIONS[engine]}`);
}

async function backupSqlite(
  target: SqliteTarget,
  destination: string,
  params: BackupDatabaseParams,
): Promise<void> {
  const source = openSqlite(target, { busyTimeoutMs: params.sqliteBusyTimeoutMs ?? 5_000 });
  try {
    const report = (totalPages: number, remainingPages: number) =>
      params.onProgress?.({ engine: 'sqlite', pagesDone: totalPages - remainingPages, totalPages });
    const done = await source.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        report(totalPages, remainingPages);
        return SQLITE_PAGES_PER_STEP;
      },
    });
    // better-sqlite3 does not call `progress` after the last step.
    report(done.totalPages, done.remainingPages);
  } finally {
    source.close();
  }
}

async function backupPostgres(
  target: PostgresTarget,
  destination: string,
  params: BackupDatabaseParams,
): Promise<void> {
  let bytesWritten = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesWritten += chunk.length;
      params.onProgress?.({ engine: 'postgres', bytesWritten });
      callback(null, chunk);
    },
  });
  await runPostgresTool({
    tool: 'pg_dump',
    // --no-password: fail instead of prompting on a terminal when the password is wrong.
    args: ['--format=custom', '--no-password'],
    target,
    readStdout: (stdout) =>
      pipeline(stdout, count, createWriteStream(destination, { flags: 'wx' })),
  });
}
