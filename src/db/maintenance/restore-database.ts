import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { DatabaseTarget, PostgresTarget, SqliteTarget } from '../../config/database-url.ts';
import { messageOf } from '../../errors.ts';
import type { Engine } from '../engine.ts';
import { BackupFileNotFoundError, InvalidBackupFileError, MemoryDatabaseError } from './errors.ts';
import { createDbnameConninfo, runPostgresTool } from './run-postgres-tool.ts';

/** What a restore is doing: checking the backup, then putting it in place. */
export type RestoreStep = 'verifying' | 'replacing';

export interface RestoreDatabaseParams {
  readonly target: DatabaseTarget;
  /** A file written by `backupDatabase` for the same engine. */
  readonly file: string;
  readonly onStep?: (step: RestoreStep) => void;
}

export interface RestoreDatabaseReturnType {
  readonly engine: Engine;
  readonly file: string;
  readonly durationMs: number;
}

/** The first bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** The first bytes of a pg_dump custom-format archive. */
const PG_DUMP_MAGIC = Buffer.from('PGDMP', 'latin1');
/** Files beside a SQLite database that belong to the one they were written for. */
const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Replaces the database with a backup. The gateway must be stopped: this does not look for
 * other connections. The backup is checked first (format, and on SQLite `integrity_check`),
 * so a wrong or damaged file leaves the database untouched (`InvalidBackupFileError`).
 * PostgreSQL: `pg_restore --clean --if-exists --single-transaction`, all or nothing; objects
 * the backup does not contain are left alone.
 */
export async function restoreDatabase(
  params: RestoreDatabaseParams,
): Promise<RestoreDatabaseReturnType> {
  const started = performance.now();
  const { target, file } = params;
  if (target.engine === 'sqlite' && target.filename === ':memory:') {
    throw new MemoryDatabaseError('restore');
  }
  params.onStep?.('verifying');
  if (target.engine === 'sqlite') {
    requireMagic(
      file,
      SQLITE_MAGIC,
      'is not a SQLite database (a .db file from `ctrip db backup`)',
    );
    await restoreSqlite(target, params);
  } else {
    requireMagic(
      file,
      PG_DUMP_MAGIC,
      'is not a pg_dump custom-format archive (a .dump file from `ctrip db backup`)',
    );
    await restorePostgres(target, params);
  }
  return { engine: target.engine, file, durationMs: Math.round(performance.now() - started) };
}

async function restoreSqlite(target: SqliteTarget, params: RestoreDatabaseParams): Promise<void> {
  const { file } = params;
  const database = target.filename;
  mkdirSync(dirname(database), { recursive: true });
  // Work on a copy beside the database: the backup itself is never opened for writing, the
  // copy is exactly what gets checked and installed, and the final rename is atomic.
  const copy = join(
    dirname(database),
    `.${basename(database)}.restore-${randomBytes(4).toString('hex')}`,
  );
  try {
    copyFileSync(file, copy);
    verifySqliteCopy(file, copy);
    params.onStep?.('replacing');
    // The old database's WAL and journal must go first: left beside the new file, SQLite
    // would replay them into it on the next open and corrupt it.
    for (const suffix of SQLITE_SIDE_FILES) rmSync(database + suffix, { force: true });
    renameSync(copy, database);
  } finally {
    for (const suffix of ['', ...SQLITE_SIDE_FILES]) rmSync(copy + suffix, { force: true });
  }
}

/** Runs `integrity_check` on the copy and leaves it as one self-contained file (no WAL). */
function verifySqliteCopy(file: string, copy: string): void {
  let db: Database.Database;
  try {
    db = new Database(copy, { fileMustExist: true });
  } catch (error) {
    throw new InvalidBackupFileError(file, 'cannot be opened as a SQLite database', error);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as { integrity_check: string }[])
        .map((row) => row.integrity_check)
        .filter((message) => message !== 'ok');
    } catch (error) {
      // A page damaged badly enough stops the check itself with SQLITE_CORRUPT.
      throw new InvalidBackupFileError(
        file,
        `fails the SQLite integrity check (${messageOf(error)})`,
        error,
      );
    }
    if (problems.length > 0) {
      throw new InvalidBackupFileError(
        file,
        `fails the SQLite integrity check (${problems.slice(0, 3).join('; ')})`,
      );
    }
    // The gateway switches the file back to WAL when it opens it.
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

async function restorePostgres(
  target: PostgresTarget,
  params: RestoreDatabaseParams,
): Promise<void> {
  params.onStep?.('replacing');
  await runPostgresTool({
    tool: 'pg_restore',
    args: [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--single-transaction',
      '--no-password',
      `--dbname=${createDbnameConninfo(target.database)}`,
      params.file,
    ],
    target,
  });
}

function requireMagic(file: string, magic: Buffer, reason: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupFileNotFoundError(file);
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new InvalidBackupFileError(file, 'is not a file');
    const head = Buffer.alloc(magic.length);
    const read = readSync(fd, head, 0, magic.length, 0);
    if (read < magic.length || !head.equals(magic)) throw new InvalidBackupFileError(file, reason);
  } finally {
    closeSync(fd);
  }
}
