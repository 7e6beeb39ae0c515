import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { engines, type OpenDatabase, setupMigratedDatabase } from '../../../test/database.ts';
import { type MigrationsDir, makeMigrationsDir } from '../../../test/migrations-dir.ts';
import { createMigrator } from '../../db/migrate/index.ts';
import { models } from '../../db/models/index.ts';
import { checkSchema } from '../../db/schema/index.ts';

describe.each(engines)('ctrip migrate check and create --autogenerate on %s', (engine) => {
  let opened: OpenDatabase | undefined;
  let dir: MigrationsDir | undefined;
  afterEach(async () => {
    await opened?.teardown();
    dir?.remove();
  });

  it('check exits 0 at head, 1 with differences and pending files; autogenerate writes the fix', async () => {
    opened = await setupMigratedDatabase(engine);
    dir = makeMigrationsDir();
    const { db } = opened.handle;
    // The operator's own table, left alone through MIGRATE_IGNORE_TABLES.
    await sql`create table audit_log (id integer primary key, line text)`.execute(db);
    const env = { ...opened.database.env, MIGRATE_IGNORE_TABLES: 'audit_log' };
    const ctrip = (...args: string[]) =>
      runCtrip(['migrate', '--dir', (dir as MigrationsDir).dir, ...args], env);

    const clean = await ctrip('check');
    expect(clean).toMatchObject({ code: 0, stderr: '' });
    expect(clean.stdout).toBe('ok: the database is at head and matches the models\n');

    await sql`alter table payments add column notes varchar(20)`.execute(db);
    const created = await ctrip('create', 'drop payment notes', '--autogenerate');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('  drop column payments.notes (varchar(20), nullable)\n');
    expect(created.stderr).toContain(
      'warning: drop column payments.notes (varchar(20), nullable): drops column payments.notes and its values',
    );
    const file = readdirSync(dir.dir).find((f) => f.endsWith('_drop_payment_notes.ts')) ?? '';
    expect(created.stdout).toContain(file);

    const drifted = await ctrip('check');
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(`pending migration: ${file}\n`);
    expect(drifted.stdout).toContain(
      'difference: drop column payments.notes (varchar(20), nullable)\n',
    );
    expect(drifted.stdout).not.toContain('audit_log');

    await createMigrator({ db, migrationsDir: dir.dir, lockTimeoutMs: 10_000 }).upgrade();
    const fixed = await checkSchema({
      db,
      models,
      migrationsDir: dir.dir,
      ignoreTables: ['audit_log'],
    });
    expect(fixed).toMatchObject({ ok: true, pending: [], differences: [] });
  });
});
