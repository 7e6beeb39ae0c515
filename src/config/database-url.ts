import { isAbsolute, resolve } from 'node:path';

/** Where the database is, as understood from a URL. */
export type DatabaseTarget = PostgresTarget | SqliteTarget;

export interface PostgresTarget {
  readonly engine: 'postgres';
  /** A `postgresql://` URL that `pg` understands (driver suffixes removed). May hold a password. */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | undefined;
}

export interface SqliteTarget {
  readonly engine: 'sqlite';
  /** An absolute file path, or `:memory:`. */
  readonly filename: string;
}

export class DatabaseUrlError extends Error {}

const POSTGRES_SCHEMES = new Set(['postgres', 'postgresql']);
const SQLITE_SCHEME = 'sqlite';

/**
 * Reads the URL forms operators already use, including SQLAlchemy's: `postgresql://`,
 * `postgres://`, `postgresql+asyncpg://` (any `+driver` suffix), `sqlite:///relative.db`
 * (relative to `cwd`), `sqlite:////absolute.db`, `sqlite+aiosqlite:///…`, and the memory
 * forms `sqlite://`, `sqlite://:memory:` and `sqlite:///:memory:`.
 */
export function parseDatabaseUrl(url: string, cwd: string): DatabaseTarget {
  const match = /^([a-z][a-z0-9]*)(?:\+[a-z0-9_]+)?:\/\/(.*)$/i.exec(url.trim());
  if (!match) {
    throw new DatabaseUrlError(
      'is not a database URL; expected postgresql://user@host/db or sqlite:///path.db',
    );
  }
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  if (POSTGRES_SCHEMES.has(scheme)) return parsePostgres(rest);
  if (scheme === SQLITE_SCHEME) return parseSqlite(rest, cwd);
  throw new DatabaseUrlError(
    `uses the unsupported scheme '${scheme}'; cTrip runs on PostgreSQL (postgresql://…) or SQLite (sqlite:///…)`,
  );
}

function parsePostgres(rest: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(`postgresql://${rest}`);
  } catch {
    throw new DatabaseUrlError('is not a valid PostgreSQL URL');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new DatabaseUrlError('names no host; expected postgresql://user@host:5432/database');
  }
  if (!database) {
    throw new DatabaseUrlError('names no database; expected postgresql://user@host:5432/database');
  }
  return {
    engine: 'postgres',
    connectionString: parsed.toString(),
    host: parsed.hostname || (parsed.searchParams.get('host') ?? ''),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
  };
}

function parseSqlite(rest: string, cwd: string): SqliteTarget {
  // SQLAlchemy: `sqlite://` + `/path`. Three slashes in all mean a relative path, four an
  // absolute one; nothing after the scheme means a memory database.
  const withoutQuery = rest.split('?')[0] ?? '';
  if (withoutQuery === '' || withoutQuery === ':memory:' || withoutQuery === '/:memory:') {
    return { engine: 'sqlite', filename: ':memory:' };
  }
  if (!withoutQuery.startsWith('/')) {
    throw new DatabaseUrlError(
      'has a host part; use sqlite:///relative/path.db or sqlite:////absolute/path.db',
    );
  }
  const path = decodeURIComponent(withoutQuery.slice(1));
  return { engine: 'sqlite', filename: isAbsolute(path) ? path : resolve(cwd, path) };
}

/** Any URL with its password replaced, safe to print. */
export function redactUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
}

/** A short human description of the target: never includes a password. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.engine === 'sqlite') {
    return target.filename === ':memory:' ? 'SQLite in memory' : `SQLite file ${target.filename}`;
  }
  const user = target.user ? `${target.user}@` : '';
  return `PostgreSQL ${user}${target.host}:${target.port}/${target.database}`;
}
