import { type Kysely, sql } from 'kysely';
import type { DatabaseHandle } from '../create-database.ts';
import type { Engine } from '../engine.ts';
import { DatabaseUnreachableError } from '../errors.ts';
import { createMigrator, type MigrationStatus } from '../migrate/index.ts';
import { compareSchema, describeOperation } from '../schema/index.ts';
import type { TableSpec } from '../table.ts';

// biome-ignore lint/suspicious/noExplicitAny: the checks read catalogues, not model tables
type AnyDb = Kysely<any>;

/** The outcome of one check: `ok: false` is a problem an operator should act on. */
export interface DatabaseCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface CheckDatabaseOptions {
  /** The migrations the database should be at the head of. */
  readonly migrationsDir: string;
  /** The models the schema should match, and the tables to leave out of that comparison. */
  readonly models: readonly TableSpec[];
  readonly ignoreTables?: readonly string[];
  /** Told of each check as soon as it is done. */
  readonly onCheck?: (check: DatabaseCheck) => void;
}

/** At most this many messages of one check are quoted; the count says how many there were. */
const QUOTED_MESSAGES = 3;

/** Engine-specific checks, after the connection check has passed. */
const ENGINE_CHECKS: Readonly<Record<Engine, readonly ((db: AnyDb) => Promise<DatabaseCheck>)[]>> =
  {
    postgres: [],
    sqlite: [checkSqliteIntegrity, checkSqliteForeignKeys],
  };

/**
 * Checks the database a gateway would run on: the connection (and server version), each
 * engine's own consistency checks (SQLite: `integrity_check`, `foreign_key_check`;
 * PostgreSQL enforces its constraints on every write), pending migrations, and applied
 * revisions with no file. Never throws for a problem it finds: the result says. When the
 * database cannot be reached, that is the only check returned.
 */
export async function checkDatabase(
  handle: DatabaseHandle,
  options: CheckDatabaseOptions,
): Promise<DatabaseCheck[]> {
  const checks: DatabaseCheck[] = [];
  const record = (check: DatabaseCheck) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  const connection = await checkConnection(handle);
  record(connection);
  if (!connection.ok) return checks;

  for (const check of ENGINE_CHECKS[handle.engine]) record(await check(handle.db));
  const migrator = createMigrator({
    db: handle.db,
    migrationsDir: options.migrationsDir,
    // status() takes no lock; the migrator wants a value all the same.
    lockTimeoutMs: 1,
  });
  const status = await migrator.status();
  record(checkPendingMigrations(status));
  record(checkMigrationFiles(status));
  if (status.hasVersionTable) record(await checkSchemaMatchesModels(handle.db, options));
  return checks;
}

/** Drift: a change made by hand, or a model changed without its migration. */
async function checkSchemaMatchesModels(
  db: AnyDb,
  options: CheckDatabaseOptions,
): Promise<DatabaseCheck> {
  const name = 'schema';
  const differences = (
    await compareSchema({ db, models: options.models, ignoreTables: options.ignoreTables })
  ).map(describeOperation);
  if (differences.length === 0) return { name, ok: true, detail: 'matches the models' };
  return {
    name,
    ok: false,
    detail: `differs from the models: ${quote(differences)}; \`ctrip migrate check\` lists it all`,
  };
}

async function checkConnection(handle: DatabaseHandle): Promise<DatabaseCheck> {
  try {
    const version =
      handle.engine === 'postgres'
        ? `PostgreSQL ${await readValue(handle.db, sql`show server_version`)}`
        : `SQLite ${await readValue(handle.db, sql`select sqlite_version()`)}`;
    return { name: 'connection', ok: true, detail: `${version}, ${handle.where}` };
  } catch (error) {
    const unreachable =
      error instanceof DatabaseUnreachableError
        ? error
        : new DatabaseUnreachableError(handle.where, error);
    return { name: 'connection', ok: false, detail: unreachable.message };
  }
}

async function checkSqliteIntegrity(db: AnyDb): Promise<DatabaseCheck> {
  const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
  const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  return {
    name: 'integrity',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? 'integrity_check: ok'
        : `integrity_check found ${problems.length} problem${plural(problems.length)}: ${problems.slice(0, QUOTED_MESSAGES).join('; ')}`,
  };
}

async function checkSqliteForeignKeys(db: AnyDb): Promise<DatabaseCheck> {
  const { rows } = await sql<{
    table: string;
    parent: string;
  }>`pragma foreign_key_check`.execute(db);
  if (rows.length === 0) {
    return {
      name: 'foreign keys',
      ok: true,
      detail: 'foreign_key_check: every reference resolves',
    };
  }
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.table} → ${row.parent}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const where = [...counts].map(([key, count]) => `${key} (${count})`).join(', ');
  return {
    name: 'foreign keys',
    ok: false,
    detail: `${rows.length} row${plural(rows.length)} reference missing rows: ${where}`,
  };
}

function checkPendingMigrations(status: MigrationStatus): DatabaseCheck {
  const name = 'migrations';
  if (!status.hasVersionTable) {
    return {
      name,
      ok: false,
      detail: 'no migration has been applied (no version table); run `ctrip migrate upgrade`',
    };
  }
  if (status.pending.length > 0) {
    const revisions = status.pending.map((f) => f.revision);
    return {
      name,
      ok: false,
      detail: `${revisions.length} pending (${quote(revisions)}); run \`ctrip migrate upgrade\``,
    };
  }
  return { name, ok: true, detail: `at head ${status.head ?? '(no migrations)'}` };
}

function checkMigrationFiles(status: MigrationStatus): DatabaseCheck {
  const name = 'migration files';
  if (status.missing.length > 0) {
    return {
      name,
      ok: false,
      detail: `applied revision${plural(status.missing.length)} with no file: ${quote(status.missing)}; is this the right code for this database?`,
    };
  }
  // An edited file is reported, not failed: `migrate current` only warns about it too, and
  // a reformatted migration changes its checksum without changing the schema.
  const edited = status.edited.map((f) => f.fileName);
  return {
    name,
    ok: true,
    detail:
      edited.length === 0
        ? 'every applied revision has its file'
        : `every applied revision has its file; edited since applied: ${quote(edited)}`,
  };
}

async function readValue(db: AnyDb, query: ReturnType<typeof sql>): Promise<string> {
  const { rows } = await query.execute(db);
  const row = rows[0] as Record<string, unknown> | undefined;
  return String(Object.values(row ?? {})[0] ?? 'unknown');
}

function quote(items: readonly string[]): string {
  const shown = items.slice(0, QUOTED_MESSAGES).join(', ');
  return items.length > QUOTED_MESSAGES
    ? `${shown} and ${items.length - QUOTED_MESSAGES} more`
    : shown;
}

function plural(count: number): string {
  return count === 1 ? '' : 's';
}
