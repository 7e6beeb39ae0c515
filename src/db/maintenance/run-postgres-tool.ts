import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { PostgresTarget } from '../../config/database-url.ts';
import { DatabaseToolFailedError, DatabaseToolMissingError } from './errors.ts';

export type PostgresTool = 'pg_dump' | 'pg_restore';

export interface RunPostgresToolParams {
  readonly tool: PostgresTool;
  /** Arguments after the tool's name; never a password (see `createLibpqEnv`). */
  readonly args: readonly string[];
  readonly target: PostgresTarget;
  /** Consumes the tool's standard output; without it the output is discarded. */
  readonly readStdout?: (stdout: Readable) => Promise<void>;
}

/** Keeps the end of what the tool says on stderr, where its error is: enough for a message. */
const STDERR_LIMIT = 16 * 1024;

/** libpq's own query parameters that have an environment variable of the same meaning. */
const LIBPQ_QUERY_VARIABLES: Readonly<Record<string, string>> = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  options: 'PGOPTIONS',
};

/**
 * Runs a PostgreSQL client tool against the target and resolves when it exits with 0.
 * Throws `DatabaseToolMissingError` when the tool is not installed and
 * `DatabaseToolFailedError` (with the tool's stderr) when it fails.
 */
export async function runPostgresTool(params: RunPostgresToolParams): Promise<void> {
  const child = spawn(params.tool, [...params.args], {
    // The child inherits this process's environment (PATH, locale, an operator's PGSSLMODE)
    // with the connection taken from the settings on top: the password travels in the
    // environment, which other users cannot read, and never on the command line, which
    // `ps` shows to everyone.
    env: { ...process.env, ...createLibpqEnv(params.target) },
    stdio: ['ignore', params.readStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
  });
  const exited = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit ${code}`));
  });
  const consumed =
    params.readStdout && child.stdout ? params.readStdout(child.stdout) : Promise.resolve();
  // When the reader fails (disk full), stop the tool rather than let it block on a full pipe.
  consumed.catch(() => child.kill());
  const [exit, read] = await Promise.allSettled([exited, consumed]);

  if (exit.status === 'rejected') {
    const error = exit.reason as NodeJS.ErrnoException;
    if (error.code === 'ENOENT') throw new DatabaseToolMissingError(params.tool, error);
    throw error;
  }
  // A failed reader is the cause of whatever the tool then said about its broken pipe.
  if (read.status === 'rejected') throw read.reason;
  if (exit.value !== 'exit 0') throw new DatabaseToolFailedError(params.tool, exit.value, stderr);
}

/**
 * The libpq environment variables that point a client tool at the target, password
 * included. Only what the URL names is set, so an operator's own PG* variables (a
 * PGSSLMODE, a PGPASSFILE) still apply to the rest.
 */
export function createLibpqEnv(target: PostgresTarget): Record<string, string> {
  const url = new URL(target.connectionString);
  const env: Record<string, string> = {
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGDATABASE: target.database,
    // Names the connection in pg_stat_activity, as the gateway's own pool does.
    PGAPPNAME: 'ctrip-maintenance',
  };
  if (target.user) env.PGUSER = target.user;
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  for (const [parameter, variable] of Object.entries(LIBPQ_QUERY_VARIABLES)) {
    const value = url.searchParams.get(parameter);
    if (value !== null) env[variable] = value;
  }
  return env;
}

/**
 * A libpq connection string that names only the database, for tools that need `--dbname`
 * (pg_restore); everything else, the password first, comes from `createLibpqEnv`.
 */
export function createDbnameConninfo(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
