import { type Kysely, sql } from 'kysely';
import { columnTypes, engineOf } from '../column-sql.ts';

/** The migration tool's own table; the drift check ignores it. */
export const VERSION_TABLE = 'ctrip_migrations';

export interface AppliedMigration {
  readonly revision: string;
  readonly message: string;
  readonly fileName: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

interface VersionRow {
  revision: string;
  message: string;
  file_name: string;
  checksum: string;
  applied_at: Date | string;
}

// biome-ignore lint/suspicious/noExplicitAny: the version table is outside the models
type AnyDb = Kysely<any>;

export async function ensureVersionTable(db: AnyDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable(VERSION_TABLE)
    .ifNotExists()
    .addColumn('revision', t.text, (c) => c.primaryKey())
    .addColumn('message', t.text, (c) => c.notNull())
    .addColumn('file_name', t.text, (c) => c.notNull())
    .addColumn('checksum', t.text, (c) => c.notNull())
    .addColumn('applied_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .execute();
}

export async function hasVersionTable(db: AnyDb): Promise<boolean> {
  const query =
    engineOf(db) === 'postgres'
      ? sql<{ found: boolean }>`select to_regclass(${VERSION_TABLE}) is not null as found`
      : sql<{ found: number }>`select count(*) as found from sqlite_master
          where type = 'table' and name = ${VERSION_TABLE}`;
  const { rows } = await query.execute(db);
  return Boolean(rows[0]?.found);
}

export async function readApplied(db: AnyDb): Promise<Map<string, AppliedMigration>> {
  const rows = (await db
    .selectFrom(VERSION_TABLE)
    .selectAll()
    .orderBy('applied_at')
    .execute()) as VersionRow[];
  return new Map(
    rows.map((row) => [
      row.revision,
      {
        revision: row.revision,
        message: row.message,
        fileName: row.file_name,
        checksum: row.checksum,
        appliedAt: new Date(row.applied_at),
      },
    ]),
  );
}

export async function recordApplied(
  db: AnyDb,
  migration: { revision: string; message: string; fileName: string; checksum: string },
): Promise<void> {
  await db
    .insertInto(VERSION_TABLE)
    .values({
      revision: migration.revision,
      message: migration.message,
      file_name: migration.fileName,
      checksum: migration.checksum,
    })
    .execute();
}

export async function removeApplied(db: AnyDb, revision: string): Promise<void> {
  await db.deleteFrom(VERSION_TABLE).where('revision', '=', revision).execute();
}

/** Used by `stamp`, which records revisions without running them. */
export async function clearApplied(db: AnyDb): Promise<void> {
  await sql`delete from ${sql.table(VERSION_TABLE)}`.execute(db);
}
