import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { engines, type OpenDatabase, setupMigratedDatabase } from '../../../test/database.ts';
import { makeMigrationsDir, migrationText, projectHead } from '../../../test/migrations-dir.ts';
import { MIGRATIONS_DIR } from '../migrate/index.ts';
import { models } from '../models/index.ts';
import { checkSchema } from './check-schema.ts';
import { compareSchema } from './compare-schema.ts';
import { introspectSchema } from './introspect-schema.ts';

describe.each(engines)('comparing the models with a database on %s', (engine) => {
  let opened: OpenDatabase | undefined;
  afterEach(async () => {
    await opened?.teardown();
    opened = undefined;
  });

  // The CI guard: a model changed without its migration fails here.
  it('a fresh database migrated to head matches the models', async () => {
    opened = await setupMigratedDatabase(engine);
    const { db } = opened.handle;
    expect(await compareSchema({ db, models })).toEqual([]);
    const check = await checkSchema({ db, models, migrationsDir: MIGRATIONS_DIR });
    expect(check).toMatchObject({ ok: true, pending: [], missing: [], differences: [] });
  });

  it('reads columns, defaults, keys, constraints and indexes in the models’ terms', async () => {
    opened = await setupMigratedDatabase(engine);
    const schema = await introspectSchema(opened.handle.db);
    // Exactly the models' tables: the version and lock tables are bookkeeping, not schema.
    expect(schema.tables.map((t) => t.name).sort()).toEqual(models.map((m) => m.name).sort());
    const payments = schema.tables.find((t) => t.name === 'payments');
    const column = (name: string) => payments?.columns.find((c) => c.name === name);
    expect(column('status')).toMatchObject({
      kind: 'text',
      nullable: false,
      default: { value: { kind: 'literal', value: 'pending' } },
    });
    expect(column('created_at')?.default?.value).toEqual({ kind: 'now' });
    expect(column('detected_in_block')).toMatchObject({ kind: 'bigint', nullable: true });
    expect(column('redirect_url')).toMatchObject({ kind: 'text', nullable: true });
    expect(column('store_id')).toMatchObject({ nullable: false });
    expect(column('amount')?.type).toBe(engine === 'postgres' ? 'numeric(78,0)' : 'text');
    // The engines list indexes and constraints in different orders (SQLite's pragma puts the
    // newest index first, PostgreSQL's catalog query sorts by name); the schema's meaning does not.
    const byName = <T extends { name: string }>(items: readonly T[] = []) =>
      [...items].sort((a, b) => a.name.localeCompare(b.name));
    expect({
      primaryKey: payments?.primaryKey,
      uniques: byName(payments?.uniques),
      indexes: byName(payments?.indexes),
      foreignKeys: byName(payments?.foreignKeys),
    }).toMatchObject({
      primaryKey: ['id'],
      uniques: [
        { name: 'payments_address_index_key', columns: ['address_index'] },
        { name: 'payments_chain_address_key', columns: ['chain', 'address'] },
      ],
      indexes: [
        { name: 'payments_chain_watch_until_idx', columns: ['chain', 'watch_until'] },
        { name: 'payments_status_expires_at_idx', columns: ['status', 'expires_at'] },
        { name: 'payments_store_id_id_idx', columns: ['store_id', 'id'] },
      ],
      foreignKeys: [
        {
          name: 'payments_store_id_fkey',
          columns: ['store_id'],
          targetTable: 'stores',
          targetColumns: ['id'],
          onDelete: 'restrict',
          onUpdate: 'no action',
        },
        {
          name: 'payments_token_id_fkey',
          columns: ['token_id'],
          targetTable: 'tokens',
          targetColumns: ['id'],
          onDelete: 'restrict',
          onUpdate: 'no action',
        },
      ],
    });
  });

  it('check reports a column added by hand and pending migrations, not ignored tables', async () => {
    opened = await setupMigratedDatabase(engine);
    const { db } = opened.handle;
    await sql`alter table payments add column notes varchar(20)`.execute(db);
    await sql`create table audit_log (id integer primary key, line text)`.execute(db);
    const dir = makeMigrationsDir();
    try {
      dir.write(
        '2099_01_01_0000-cccccccccccc_later.ts',
        migrationText(projectHead(), 'await sql`select 1`.execute(db);', ''),
      );
      const check = await checkSchema({
        db,
        models,
        migrationsDir: dir.dir,
        ignoreTables: ['audit_log'],
      });
      expect(check.ok).toBe(false);
      expect(check.pending).toEqual(['2099_01_01_0000-cccccccccccc_later.ts']);
      expect(check.differences).toEqual(['drop column payments.notes (varchar(20), nullable)']);

      const unignored = await checkSchema({ db, models, migrationsDir: MIGRATIONS_DIR });
      expect(unignored.differences).toEqual([
        'drop column payments.notes (varchar(20), nullable)',
        'drop table audit_log',
      ]);
    } finally {
      dir.remove();
    }
  });
});
