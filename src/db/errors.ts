import { CtripError } from '../errors.ts';

/** The database cannot be reached; says which host or file, never a password. */
export class DatabaseUnreachableError extends CtripError {
  constructor(where: string, cause: unknown) {
    super('DB_UNREACHABLE', `cannot reach the database (${where}): ${reasonOf(cause)}`, {
      details: { where },
      cause,
      retryable: true,
    });
  }
}

/** A value does not fit the column it is written to; nothing was written. */
export class InvalidColumnValueError extends CtripError {
  constructor(table: string, column: string, expected: string, value: unknown) {
    super('DB_INVALID_VALUE', `${table}.${column} takes ${expected}; got ${describe(value)}`, {
      details: { table, column },
    });
  }
}

/** `withTransaction` inside a transaction where savepoints cannot be used. */
export class NestedTransactionError extends CtripError {
  constructor() {
    super(
      'DB_NESTED_TRANSACTION',
      'withTransaction was given a transaction it did not start, so it cannot nest a savepoint in it; start the outer unit of work with withTransaction',
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 80))}`;
  return `${typeof value} ${String(value).slice(0, 80)}`;
}

function reasonOf(cause: unknown): string {
  const error = cause as { code?: string; message?: string } | undefined;
  if (error?.code === 'ECONNREFUSED') return 'connection refused; is the server running?';
  if (error?.code === 'ENOTFOUND') return 'host not found';
  if (error?.code === '3D000') return 'the database does not exist';
  if (error?.code === '28P01' || error?.code === '28000') return 'authentication failed';
  if (error?.code === 'SQLITE_CANTOPEN') return 'the file cannot be opened';
  return error?.message ?? String(cause);
}
