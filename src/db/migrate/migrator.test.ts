import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines, openDatabase, type TestDatabase } from '../../../test/database.ts';
import {
  type MigrationsDir,
  makeMigrationsDir,
  migrationText,
  projectHead,
} from '../../../test/migrations-dir.ts';
import { snapshotSchema } from '../../../test/schema-snapshot.ts';
import { createDatabase, type DatabaseHandle } from '../create-database.ts';
import { createMigrator, MIGRATIONS_DIR, readMigrationFiles, renderOfflineSql } from './index.ts';
import { inlineParameters } from './inline-parameters.ts';

const NEXT = 'aaaaaaaaaaa1';
const FAILING = 'aaaaaaaaaaa2';

describe.each(engines)('migrations on %s', (engine) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let teardown: () => Promise<void>;
  let dir: MigrationsDir;

  beforeEach(async () => {
    ({ database, handle, teardown } = await openDatabase(engine));
    dir = makeMigrationsDir();
  });

  afterEach(async () => {
    await teardown();
    dir.remove();
  });

  const migrator = (migrationsDir = MIGRATIONS_DIR) =>
    createMigrator({ db: handle.db, migrationsDir, lockTimeoutMs: 10_000 });

  it('upgrade head, downgrade base, upgrade head leaves an identical schema', async () => {
    await migrator().upgrade();
    const first = await snapshotSchema(handle.db);
    expect(first.join('\n')).toContain('payments');

    await migrator().downgrade('base');
    const empty = await snapshotSchema(handle.db);
    expect(empty.join('\n')).not.toContain('payments');

    await migrator().upgrade('head');
    expect(await snapshotSchema(handle.db)).toEqual(first);
  });

  it('current, history and stamp report and record revisions without running them', async () => {
    dir.write(
      `2099_01_01_0000-${NEXT}_add_notes.ts`,
      migrationText(
        projectHead(),
        "await db.schema.createTable('notes').addColumn('id', t.text, (c) => c.primaryKey()).execute();",
        "await db.schema.dropTable('notes').execute();",
      ),
    );
    const m = migrator(dir.dir);
    expect((await m.status()).current).toBeNull();

    await m.upgrade(projectHead());
    let state = await m.status();
    expect(state.current).toBe(projectHead());
    expect(state.pending.map((f) => f.revision)).toEqual([NEXT]);

    // stamp head records NEXT as applied without creating its table
    await m.stamp('head');
    state = await m.status();
    expect(state.current).toBe(NEXT);
    expect(state.pending).toEqual([]);
    expect(await tableNames(handle)).not.toContain('notes');

    // stamp back, then a real upgrade creates it
    await m.stamp(projectHead());
    await m.upgrade();
    expect(await tableNames(handle)).toContain('notes');
    expect((await m.status()).applied.get(NEXT)?.appliedAt).toBeInstanceOf(Date);

    // downgrade -1 reverts only the newest
    const reverted = await m.downgrade('-1');
    expect(reverted.map((r) => r.revision)).toEqual([NEXT]);
    expect(await tableNames(handle)).not.toContain('notes');
    expect((await m.status()).current).toBe(projectHead());

    await m.stamp('base');
    expect((await m.status()).applied.size).toBe(0);
  });

  it('a failing migration rolls back whole and leaves the earlier ones applied', async () => {
    dir.write(
      `2099_01_01_0000-${NEXT}_add_notes.ts`,
      migrationText(
        projectHead(),
        "await db.schema.createTable('notes').addColumn('id', t.text).execute();",
        "await db.schema.dropTable('notes').execute();",
      ),
    );
    dir.write(
      `2099_01_01_0001-${FAILING}_broken.ts`,
      migrationText(
        NEXT,
        `await db.schema.createTable('half_done').addColumn('id', t.text).execute();
         await sql\`insert into notes (id) values ('kept?')\`.execute(db);
         await sql\`select * from no_such_table\`.execute(db);`,
        "await db.schema.dropTable('half_done').execute();",
      ),
    );
    const m = migrator(dir.dir);
    await expect(m.upgrade()).rejects.toThrow(
      /upgrade .*aaaaaaaaaaa2_broken\.ts failed and was rolled back/,
    );

    const state = await m.status();
    expect(state.current).toBe(NEXT);
    expect(state.pending.map((f) => f.revision)).toEqual([FAILING]);
    const tables = await tableNames(handle);
    expect(tables).toContain('notes');
    expect(tables).not.toContain('half_done');
    const notes = await sql`select * from notes`.execute(handle.db);
    expect(notes.rows).toEqual([]);
  });

  it('warns about an applied file that was edited, and refuses when one is missing', async () => {
    const path = dir.write(
      `2099_01_01_0000-${NEXT}_add_notes.ts`,
      migrationText(
        projectHead(),
        "await db.schema.createTable('notes').addColumn('id', t.text).execute();",
        "await db.schema.dropTable('notes').execute();",
      ),
    );
    const m = migrator(dir.dir);
    await m.upgrade();
    expect((await m.status()).edited).toEqual([]);

    writeFileSync(path, `${readFileSync(path, 'utf8')}\n// an edit after the fact\n`);
    expect((await m.status()).edited.map((f) => f.revision)).toEqual([NEXT]);

    renameSync(path, `${path}.bak`);
    expect((await m.status()).missing).toEqual([NEXT]);
    await expect(m.upgrade()).rejects.toThrow(
      /revision aaaaaaaaaaa1 applied but no migration file/,
    );
    await expect(m.downgrade()).rejects.toMatchObject({ code: 'MIGRATION_FILE_MISSING' });
  });

  it('refuses unknown revisions and targets in the wrong direction', async () => {
    const m = migrator();
    await expect(m.upgrade('ffffffffffff')).rejects.toMatchObject({
      code: 'MIGRATION_UNKNOWN_REVISION',
    });
    await m.upgrade();
    await expect(m.upgrade('base')).rejects.toThrow(/behind the current revision/);
    await expect(m.downgrade('-99')).rejects.toThrow(/goes past base/);
  });

  it('offline sql is exactly what upgrade runs', async () => {
    const executed: string[] = [];
    const recorded = createDatabase(database.settings, {
      onQuery: (event) => {
        if (event.level === 'query') {
          executed.push(`${inlineParameters(engine, event.query.sql, event.query.parameters)};`);
        }
      },
    });
    try {
      await createMigrator({
        db: recorded.db,
        migrationsDir: MIGRATIONS_DIR,
        lockTimeoutMs: 10_000,
      }).upgrade();
    } finally {
      await recorded.close();
    }
    const offline = await renderOfflineSql({
      engine,
      files: readMigrationFiles(MIGRATIONS_DIR),
      from: 'base',
      to: 'head',
    });
    // Transactions are compared by their content; online runs also take the lock and read
    // the version table, which is bookkeeping, not schema. Reads a migration makes itself
    // (a guard that the table is empty, a rebuild reading the table it rebuilds) stay in, as
    // offline SQL runs them too.
    const bookkeeping =
      /^(begin|commit|pragma busy_timeout|set statement_timeout|reset statement_timeout)\b|^select\b.*\b(pg_try_advisory_lock|pg_advisory_unlock|to_regclass|ctrip_migrations)\b/is;
    // Whitespace is not compared: a statement written as a multi-line template spans several
    // lines of the script, but is one statement online.
    const normalize = (statement: string) => statement.replace(/\s+/g, ' ').trim();
    const offlineStatements = offline
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .split(/;\n/)
      .map((s) => normalize(s.replace(/;$/, '')))
      .filter((s) => s && !bookkeeping.test(s))
      .map((s) => `${s};`);
    const onlineStatements = executed.map(normalize).filter((s) => !bookkeeping.test(s));
    expect(onlineStatements).toEqual(offlineStatements);
    expect(offline).toContain('create table "payments"');
  });
});

describe('migration files', () => {
  it('two files that follow the same revision are reported as a branch', () => {
    const dir = makeMigrationsDir();
    try {
      dir.write(`2099_01_01_0000-${NEXT}_one.ts`, migrationText(projectHead(), '', ''));
      dir.write(`2099_01_01_0001-${FAILING}_two.ts`, migrationText(projectHead(), '', ''));
      expect(() => readMigrationFiles(dir.dir)).toThrow(/both follow .* the history has branched/);
    } finally {
      dir.remove();
    }
  });

  it('offline sql for a downgrade reverses the upgrade', async () => {
    const offline = await renderOfflineSql({
      engine: 'postgres',
      files: readMigrationFiles(MIGRATIONS_DIR),
      from: 'head',
      to: 'base',
    });
    expect(offline).toContain('drop table "payments"');
    expect(offline).toContain('delete from "ctrip_migrations"');
  });
});

async function tableNames(handle: DatabaseHandle): Promise<string[]> {
  const tables = await handle.db.introspection.getTables();
  return tables.map((t) => t.name);
}
