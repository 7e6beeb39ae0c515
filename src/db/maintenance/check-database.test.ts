import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { engines, migrateToHead, openDatabase, type TestDatabase } from '../../../test/database.ts';
import { paymentRow } from '../../../test/rows.ts';
import type { DatabaseHandle } from '../create-database.ts';
import { newId } from '../ids.ts';
import { createMigrationFile, MIGRATIONS_DIR, VERSION_TABLE } from '../migrate/index.ts';
import { models } from '../models/index.ts';
import { checkDatabase, type DatabaseCheck } from './check-database.ts';

describe.each(engines)('checkDatabase on %s', (engine) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    const opened = await openDatabase(engine);
    ({ database, handle } = opened);
    return opened.teardown;
  });

  const migrate = () => migrateToHead(handle);
  const find = (checks: DatabaseCheck[], name: string) => checks.find((c) => c.name === name);

  it('`ctrip db check --json` on a healthy database passes every check and exits 0', async () => {
    await migrate();
    await handle.close();

    const result = await runCtrip(['db', 'check', '--json'], database.env);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: DatabaseCheck[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'connection',
      ...(engine === 'sqlite' ? ['integrity', 'foreign keys'] : []),
      'migrations',
      'migration files',
      'schema',
    ]);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    expect(find(report.checks, 'connection')?.detail).toMatch(
      engine === 'postgres' ? /^PostgreSQL \d+/ : /^SQLite 3\./,
    );
  });

  it('a migration in the code that the database has not applied is reported as pending', async () => {
    await migrate();
    const dir = mkdtempSync(join(tmpdir(), 'ctrip-migrations-'));
    try {
      for (const name of readdirSync(MIGRATIONS_DIR)) {
        copyFileSync(join(MIGRATIONS_DIR, name), join(dir, name));
      }
      const added = createMigrationFile({ dir, message: 'add payments reference' });
      const revision = /-([0-9a-f]{12})_/.exec(added)?.[1];

      const checks = await checkDatabase(handle, { migrationsDir: dir, models });

      expect(find(checks, 'migrations')).toEqual({
        name: 'migrations',
        ok: false,
        detail: `1 pending (${revision}); run \`ctrip migrate upgrade\``,
      });
      expect(find(checks, 'migration files')?.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a column added by hand is reported as drift from the models, unless its table is ignored', async () => {
    await migrate();
    await sql`alter table payments add column note text`.execute(handle.db);

    const checks = await checkDatabase(handle, { migrationsDir: MIGRATIONS_DIR, models });
    expect(find(checks, 'schema')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^differs from the models: drop column payments\.note/),
    });
    const ignoring = await checkDatabase(handle, {
      migrationsDir: MIGRATIONS_DIR,
      models,
      ignoreTables: ['payments'],
    });
    expect(find(ignoring, 'schema')).toEqual({
      name: 'schema',
      ok: true,
      detail: 'matches the models',
    });
  });

  it('a database no migration has been applied to is reported', async () => {
    const checks = await checkDatabase(handle, { migrationsDir: MIGRATIONS_DIR, models });
    expect(find(checks, 'connection')?.ok).toBe(true);
    expect(find(checks, 'migrations')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('no migration has been applied'),
    });
  });

  it('an applied revision whose file is missing is reported', async () => {
    await migrate();
    await handle.db
      .insertInto(VERSION_TABLE as 'tokens')
      .values({
        revision: 'abcdef123456',
        message: 'from another branch',
        file_name: '2027_01_01_0000-abcdef123456_from_another_branch.ts',
        checksum: '0'.repeat(64),
      } as never)
      .execute();
    const told: DatabaseCheck[] = [];

    const checks = await checkDatabase(handle, {
      migrationsDir: MIGRATIONS_DIR,
      models,
      onCheck: (c) => told.push(c),
    });

    expect(told).toEqual(checks);
    expect(find(checks, 'migration files')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('applied revision with no file: abcdef123456'),
    });
    expect(find(checks, 'migrations')?.ok).toBe(true);
  });
});

describe('checkDatabase foreign keys on sqlite', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    const opened = await openDatabase('sqlite');
    ({ database, handle } = opened);
    return opened.teardown;
  });

  const migrate = () => migrateToHead(handle);

  it('`ctrip db check` finds a row breaking a foreign key, names its table and exits 1', async () => {
    await migrate();
    // A payment of a token that does not exist, as a bulk load with foreign keys off leaves
    // it. The row comes from the shared fixture so it keeps up with the payments columns.
    await sql`pragma foreign_keys = off`.execute(handle.db);
    await handle.db.insertInto('payments').values(paymentRow(newId())).execute();
    await sql`pragma foreign_keys = on`.execute(handle.db);
    await handle.close();

    const result = await runCtrip(['db', 'check'], database.env);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^problem +foreign keys +1 row reference.* payments → tokens/m);
    expect(result.stdout).toMatch(/^ok +integrity/m);
  });
});
