import { CtripError } from '../../errors.ts';

/** Something `ctrip db backup|restore|vacuum|check` could not do. */
export class MaintenanceError extends CtripError {}

/** `pg_dump` or `pg_restore` is not installed, or not on PATH. */
export class DatabaseToolMissingError extends MaintenanceError {
  constructor(tool: string, cause: unknown) {
    super(
      'DB_TOOL_MISSING',
      `${tool} is not installed or not on PATH; install the PostgreSQL client tools (e.g. apt install postgresql-client), of the server's major version or newer`,
      { details: { tool }, cause },
    );
  }
}

/** `pg_dump` or `pg_restore` ran and failed; the message carries the tool's own last words. */
export class DatabaseToolFailedError extends MaintenanceError {
  constructor(tool: string, exit: string, stderr: string) {
    const reason = lastLines(stderr, 3) || 'it printed nothing';
    super('DB_TOOL_FAILED', `${tool} failed (${exit}): ${reason}`, {
      details: { tool, exit, stderr },
    });
  }
}

/** A backup would overwrite a file; nothing was written. */
export class BackupFileExistsError extends MaintenanceError {
  constructor(file: string) {
    super(
      'DB_BACKUP_EXISTS',
      `${file} already exists; a backup never overwrites a file: choose another name or move it away`,
      { details: { file } },
    );
  }
}

/** The file given to restore does not exist. */
export class BackupFileNotFoundError extends MaintenanceError {
  constructor(file: string) {
    super('DB_BACKUP_NOT_FOUND', `${file} does not exist; nothing was restored`, {
      details: { file },
    });
  }
}

/** The file given to restore is not a backup of this engine, or is damaged. */
export class InvalidBackupFileError extends MaintenanceError {
  constructor(file: string, reason: string, cause?: unknown) {
    super('DB_BACKUP_INVALID', `${file} ${reason}; the database was not changed`, {
      details: { file },
      cause,
    });
  }
}

/** The configured database lives in memory: there is no file to back up, restore or check. */
export class MemoryDatabaseError extends MaintenanceError {
  constructor(operation: string) {
    super(
      'DB_IN_MEMORY',
      `the database is in memory (sqlite://:memory:), so there is nothing to ${operation}; point DATABASE_URL_DEV at a file`,
    );
  }
}

/** The configured SQLite file does not exist, so a maintenance command would only create it. */
export class DatabaseFileMissingError extends MaintenanceError {
  constructor(filename: string) {
    super(
      'DB_FILE_MISSING',
      `the SQLite file ${filename} does not exist; check DATABASE_URL_DEV, or create it with \`ctrip migrate upgrade\``,
      { details: { filename } },
    );
  }
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' / ').trim();
}
