import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { engines, type OpenDatabase, setupMigratedDatabase } from '../../../test/database.ts';
import {
  type MigrationsDir,
  makeMigrationsDir,
  migrationText,
  projectHead,
} from '../../../test/migrations-dir.ts';
import { DEFAULT_STORE_ID, insertToken, paymentRow, transferRow } from '../../../test/rows.ts';
import { snapshotSchema } from '../../../test/schema-snapshot.ts';
import { col } from '../columns.ts';
import type { DatabaseHandle } from '../create-database.ts';
import { newId } from '../ids.ts';
import { createMigrator, MIGRATIONS_DIR } from '../migrate/index.ts';
import { models, payments, tokens, transactions } from '../models/index.ts';
import { type AnyColumn, defineTable, type TableModel, type TableSpec } from '../table.ts';
import { autogenerateMigration } from './autogenerate-migration.ts';
import { checkSchema } from './check-schema.ts';

type Columns = Record<string, AnyColumn>;

/** A model like `model` with other columns, uniques or indexes: what a developer's edit makes. */
function redefine(
  model: TableModel<Columns>,
  changes: {
    columns?: (columns: Columns) => Columns;
    uniques?: { columns: string[] }[];
    indexes?: { columns: string[]; unique?: boolean }[];
  },
): TableSpec {
  const singles = new Set(
    [...model.columns].filter(([, spec]) => spec.unique).map(([name]) => name),
  );
  return defineTable(model.name, {
    columns: changes.columns ? changes.columns({ ...model.definition }) : model.definition,
    uniques:
      changes.uniques ??
      model.uniques
        .filter((u) => !(u.columns.length === 1 && singles.has(u.columns[0] as string)))
        .map((u) => ({ columns: [...u.columns] })),
    indexes:
      changes.indexes ?? model.indexes.map((i) => ({ columns: [...i.columns], unique: i.unique })),
  });
}

/** The registry with `tables` in place of the models of the same name. */
function replacing(...tables: TableSpec[]): TableSpec[] {
  return models.map((m) => tables.find((t) => t.name === m.name) ?? m);
}

function without<C extends Columns>(columns: C, ...names: string[]): Columns {
  return Object.fromEntries(Object.entries(columns).filter(([name]) => !names.includes(name)));
}

interface Change {
  readonly name: string;
  readonly models: () => readonly TableSpec[];
  /** Loses data, so the terminal is warned and the file says so. */
  readonly lossy?: boolean;
}

const changes: readonly Change[] = [
  {
    name: 'add a table',
    models: () => [
      ...models,
      defineTable('refunds', {
        columns: {
          id: col.uuid().primaryKey(),
          payment_id: col.uuid().references('payments.id', { onDelete: 'cascade' }),
          amount: col.uint256(),
          reason: col.text().nullable(),
          refunded: col.boolean().default(false),
          created_at: col.timestamp().defaultNow(),
        },
        uniques: [{ columns: ['payment_id', 'reason'] }],
        indexes: [{ columns: ['created_at'] }],
      }),
    ],
  },
  {
    name: 'drop a table',
    models: () => models.filter((m) => m.name !== 'chain_states'),
    lossy: true,
  },
  {
    name: 'add a nullable column',
    models: () =>
      replacing(redefine(payments, { columns: (c) => ({ ...c, note: col.text().nullable() }) })),
  },
  {
    name: 'add a NOT NULL column with a default',
    models: () =>
      replacing(
        redefine(payments, { columns: (c) => ({ ...c, attempts: col.integer().default(3) }) }),
        // A time default is not a constant: SQLite's ALTER TABLE cannot add it, a rebuild can.
        redefine(tokens, { columns: (c) => ({ ...c, synced_at: col.timestamp().defaultNow() }) }),
      ),
  },
  {
    name: 'drop a column',
    models: () =>
      replacing(
        // As a developer would: an index on the column goes with it, so the migration must
        // drop the index before the column (SQLite refuses a column an index still names).
        redefine(transactions, {
          columns: (c) => without(c, 'status'),
          indexes: transactions.indexes
            .filter((i) => !i.columns.includes('status'))
            .map((i) => ({ columns: [...i.columns], unique: i.unique })),
        }),
        redefine(payments, { columns: (c) => without(c, 'detected_in_block') }),
      ),
    lossy: true,
  },
  {
    name: 'change a type',
    models: () =>
      replacing(
        redefine(payments, { columns: (c) => ({ ...c, confirmations: col.bigint().default(0) }) }),
      ),
  },
  {
    name: 'change nullability',
    models: () =>
      replacing(
        redefine(transactions, { columns: (c) => ({ ...c, block_hash: col.text().nullable() }) }),
        redefine(payments, { columns: (c) => ({ ...c, detected_in_block: col.bigint() }) }),
      ),
  },
  {
    name: 'change a server default',
    models: () =>
      replacing(
        redefine(payments, { columns: (c) => ({ ...c, status: col.text().default('new') }) }),
        redefine(transactions, { columns: (c) => ({ ...c, confirmations: col.integer() }) }),
        redefine(tokens, { columns: (c) => ({ ...c, enabled: col.boolean().default(false) }) }),
      ),
  },
  {
    name: 'add an index',
    models: () =>
      replacing(
        redefine(tokens, { indexes: [{ columns: ['symbol'] }] }),
        redefine(transactions, {
          indexes: [
            ...transactions.indexes.map((i) => ({ columns: [...i.columns], unique: i.unique })),
            { columns: ['block_hash', 'tx_hash'], unique: true },
          ],
        }),
      ),
  },
  {
    name: 'drop an index',
    models: () => replacing(redefine(payments, { indexes: [] })),
  },
  {
    name: 'add a unique constraint',
    models: () =>
      replacing(redefine(payments, { columns: (c) => ({ ...c, address: col.text().unique() }) })),
  },
  {
    name: 'drop a unique constraint',
    models: () => replacing(redefine(tokens, { uniques: [] })),
  },
  {
    name: 'add a foreign key',
    models: () =>
      replacing(
        redefine(payments, {
          columns: (c) => ({
            ...c,
            chain: col.text().references('chain_states.chain', { onDelete: 'restrict' }),
          }),
        }),
      ),
  },
  {
    name: 'drop a foreign key',
    models: () =>
      replacing(redefine(transactions, { columns: (c) => ({ ...c, payment_id: col.uuid() }) })),
  },
];

/**
 * One row in every table, the payment's nullable block set so it can become NOT NULL. The
 * stores table already holds its one row: the default store the migration creates.
 */
async function seed(handle: DatabaseHandle): Promise<void> {
  const { db } = handle;
  const apiKeyId = newId();
  await db
    .insertInto('api_keys')
    .values({
      id: apiKeyId,
      store_id: DEFAULT_STORE_ID,
      name: 'test',
      prefix: 'ck_test',
      hash: 'hash',
      scopes: ['payments:read'],
    })
    .execute();
  await db
    .insertInto('idempotency_keys')
    .values({
      id: newId(),
      api_key_id: apiKeyId,
      key: 'k1',
      request_hash: 'h1',
      response_status: 201,
      response_body: { ok: true },
    })
    .execute();
  const tokenId = await insertToken(db);
  await db.insertInto('chain_states').values({ chain: 'eth', last_scanned_block: 10n }).execute();
  const payment = paymentRow(tokenId, { detected_in_block: 5n });
  await db.insertInto('payments').values(payment).execute();
  await db
    .insertInto('transactions')
    .values(transferRow(payment.id, tokenId, { tx_hash: '0xabc', block_number: 5n, amount: 1n }))
    .execute();
  await db
    .insertInto('chain_headers')
    .values({ chain: 'eth', number: 10n, hash: '0xb10', parent_hash: '0xb9' })
    .execute();
  const eventId = newId();
  await db
    .insertInto('payment_events')
    .values({ id: eventId, payment_id: payment.id, type: 'payment.created', data: { n: 1 } })
    .execute();
  const endpointId = newId();
  await db
    .insertInto('webhook_endpoints')
    .values({
      id: endpointId,
      store_id: DEFAULT_STORE_ID,
      url: 'https://shop.example/hook',
      secret: 'v1.sealed',
    })
    .execute();
  const deliveryId = newId();
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: deliveryId,
      endpoint_id: endpointId,
      event_id: eventId,
      payment_id: payment.id,
      event_type: 'payment.created',
      payload: '{}',
    })
    .execute();
  await db
    .insertInto('webhook_attempts')
    .values({
      id: newId(),
      delivery_id: deliveryId,
      attempt: 1,
      started_at: new Date(),
      duration_ms: 5,
    })
    .execute();
  const sweepId = newId();
  await db
    .insertInto('sweeps')
    .values({
      id: sweepId,
      payment_id: payment.id,
      chain: 'eth',
      token_id: tokenId,
      from_address: payment.address,
      address_index: payment.address_index,
      to_address: '0x00000000000000000000000000000000000000aa',
    })
    .execute();
  await db
    .insertInto('outgoing_transactions')
    .values({
      id: newId(),
      chain: 'eth',
      from_address: payment.address,
      nonce: 0n,
      to_address: '0x00000000000000000000000000000000000000aa',
      purpose: 'sweep',
      sweep_id: sweepId,
      value: 1n,
      gas_limit: 21_000n,
      max_fee_per_gas: 2n,
      max_priority_fee_per_gas: 1n,
      raw: '0x02',
      tx_hash: '0xdef',
    })
    .execute();
  await db
    .insertInto('account_nonces')
    .values({ chain: 'eth', address: payment.address, next_nonce: 1n })
    .execute();
  await db
    .insertInto('leases')
    .values({ name: 'scan:eth', holder: 'test', expires_at: new Date('2030-01-01T00:00:00Z') })
    .execute();
  await db.insertInto('sequences').values({ name: 'deposit_address', next_value: 1n }).execute();
}

async function countRows(handle: DatabaseHandle, tables: readonly string[]): Promise<number[]> {
  const counts: number[] = [];
  for (const table of tables) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table)}`.execute(handle.db);
    counts.push(Number(rows[0]?.n));
  }
  return counts;
}

describe.each(engines)('autogenerated migrations on %s', (engine) => {
  let opened: OpenDatabase | undefined;
  let dir: MigrationsDir | undefined;
  afterEach(async () => {
    await opened?.teardown();
    dir?.remove();
    opened = undefined;
    dir = undefined;
  });

  it.each(changes)(
    '$name: upgrade matches the models and keeps the rows; downgrade restores the schema',
    async (change) => {
      opened = await setupMigratedDatabase(engine, seed);
      dir = makeMigrationsDir();
      const { handle } = opened;
      const changed = change.models();
      const before = await snapshotSchema(handle.db);

      const result = await autogenerateMigration({
        db: handle.db,
        models: changed,
        migrationsDir: dir.dir,
        message: change.name,
      });
      expect(result.path).not.toBeNull();
      // Each table the case redefines must change: an edit the schema already has (say, after a
      // migration added that column) would leave part of the case proving nothing.
      const redefined = changed.filter((m) => !models.includes(m)).map((m) => m.name);
      const unchanged = redefined.filter(
        (name) => !result.operations.some((o) => new RegExp(`\\b${name}\\b`).test(o)),
      );
      expect(unchanged).toEqual([]);
      const text = readFileSync(result.path as string, 'utf8');
      // Frozen: the file spells out types and defaults instead of importing the models.
      expect(text).not.toMatch(/from '[^']*models/);
      const up = text.slice(0, text.indexOf('export async function down'));
      expect(up.includes('// WARNING: drops')).toBe(change.lossy ?? false);
      expect(result.warnings.some((w) => w.includes('drops'))).toBe(change.lossy ?? false);

      const migrator = createMigrator({
        db: handle.db,
        migrationsDir: dir.dir,
        lockTimeoutMs: 10_000,
      });
      await migrator.upgrade();
      const check = await checkSchema({ db: handle.db, models: changed, migrationsDir: dir.dir });
      expect(check.differences).toEqual([]);
      expect(check.ok).toBe(true);
      const kept = changed.map((m) => m.name).filter((n) => n !== 'refunds');
      expect(await countRows(handle, kept)).toEqual(kept.map(() => 1));

      await migrator.downgrade();
      expect(await snapshotSchema(handle.db)).toEqual(before);
      const original = await checkSchema({ db: handle.db, models, migrationsDir: dir.dir });
      expect(original.differences).toEqual([]);
    },
  );

  it('writes no file when the models match, unless asked for an empty one', async () => {
    opened = await setupMigratedDatabase(engine);
    dir = makeMigrationsDir();
    const params = { db: opened.handle.db, models, migrationsDir: dir.dir, message: 'nothing' };
    expect(await autogenerateMigration(params)).toEqual({
      path: null,
      operations: [],
      warnings: [],
    });
    // Only the copies of the project's migrations are there.
    expect(readdirSync(dir.dir).sort()).toEqual(readdirSync(MIGRATIONS_DIR).sort());
    const empty = await autogenerateMigration({ ...params, empty: true });
    expect(readFileSync(empty.path as string, 'utf8')).toContain(
      `export const downRevision = '${projectHead()}';`,
    );
  });

  it('refuses while migrations are pending, naming them', async () => {
    opened = await setupMigratedDatabase(engine);
    dir = makeMigrationsDir();
    dir.write(
      '2099_01_01_0000-aaaaaaaaaaa1_later.ts',
      migrationText(projectHead(), 'await sql`select 1`.execute(db);', ''),
    );
    await expect(
      autogenerateMigration({ db: opened.handle.db, models, migrationsDir: dir.dir, message: 'x' }),
    ).rejects.toMatchObject({
      code: 'SCHEMA_NOT_AT_HEAD',
      message: expect.stringContaining('1 migration(s) pending (aaaaaaaaaaa1)'),
    });
  });
});
