import {
  type Dialect,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { openSqlite } from '../dialect/sqlite.ts';
import { SqliteDriver } from '../dialect/sqlite-driver.ts';
import type { Engine } from '../engine.ts';
import { inlineParameters } from './inline-parameters.ts';
import { type MigrationFile, resolveRevision } from './migration-files.ts';
import { runMigrationTransaction } from './migration-lock.ts';
import { RecordingDriver } from './recording-driver.ts';
import { ensureVersionTable, recordApplied, removeApplied } from './version-table.ts';

export interface OfflineSqlParams {
  readonly engine: Engine;
  /** Every migration file, base first. */
  readonly files: readonly MigrationFile[];
  /** The revision the database is at: `base` or a revision. */
  readonly from: string;
  /** The revision to reach: `head`, `base` or a revision; below `from` means a downgrade. */
  readonly to: string;
}

/**
 * The SQL an upgrade (or downgrade) would run, without a database, for a DBA to review or
 * apply by hand. PostgreSQL statements are compiled against no server. SQLite statements are
 * produced by running the migrations on a scratch in-memory database, because a table rebuild
 * needs to read the table it rebuilds. Migrations that branch on data they read see no rows
 * on PostgreSQL: as with Alembic's offline mode, such a migration must be reviewed by hand.
 */
export async function renderOfflineSql(params: OfflineSqlParams): Promise<string> {
  const { engine, files } = params;
  const fromIndex = indexOf(files, params.from);
  const toIndex = indexOf(files, params.to);
  const lines: string[] = [];
  let recording = false;
  const db = new Kysely({
    dialect: recordingDialect(engine, (text, parameters) => {
      if (recording) lines.push(`${inlineParameters(engine, text, parameters)};`);
    }),
  });
  try {
    if (engine === 'sqlite') {
      await ensureVersionTable(db);
      for (const file of files.slice(0, fromIndex + 1)) {
        const { up } = await file.load();
        await runMigrationTransaction(db, async (trx) => {
          await up(trx);
          await recordApplied(trx, file);
        });
      }
    }
    recording = true;
    if (fromIndex === -1 && toIndex > -1) {
      lines.push("-- the migration tool's own table");
      await ensureVersionTable(db);
    }
    const upgrade = toIndex >= fromIndex;
    const plan = upgrade
      ? files.slice(fromIndex + 1, toIndex + 1)
      : files.slice(toIndex + 1, fromIndex + 1).reverse();
    for (const file of plan) {
      const { up, down } = await file.load();
      lines.push(
        '',
        upgrade
          ? `-- upgrade ${file.downRevision ?? 'base'} -> ${file.revision} (${file.message})`
          : `-- downgrade ${file.revision} -> ${file.downRevision ?? 'base'} (${file.message})`,
      );
      await runMigrationTransaction(db, async (trx) => {
        if (upgrade) {
          await up(trx);
          await recordApplied(trx, file);
        } else {
          await down(trx);
          await removeApplied(trx, file.revision);
        }
      });
    }
  } finally {
    await db.destroy();
  }
  return `${lines.join('\n')}\n`;
}

function indexOf(files: readonly MigrationFile[], revision: string): number {
  return revision === 'base' ? -1 : files.indexOf(resolveRevision(files, revision));
}

function recordingDialect(
  engine: Engine,
  sink: (sql: string, parameters: readonly unknown[]) => void,
): Dialect {
  if (engine === 'postgres') {
    return {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new RecordingDriver(undefined, sink),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    };
  }
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () =>
      new RecordingDriver(
        new SqliteDriver(() =>
          openSqlite({ engine: 'sqlite', filename: ':memory:' }, { busyTimeoutMs: 0 }),
        ),
        sink,
      ),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
