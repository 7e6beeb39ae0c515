import { sql } from 'kysely';
import { v7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines, openDatabase } from '../../../test/database.ts';
import {
  type MigrationsDir,
  makeMigrationsDir,
  migrationText,
  projectHead,
} from '../../../test/migrations-dir.ts';
import { insertToken, paymentRow, transferRow } from '../../../test/rows.ts';
import { snapshotSchema } from '../../../test/schema-snapshot.ts';
import type { DatabaseHandle } from '../create-database.ts';
import { batchAlterTable } from './batch-alter-table.ts';
import { createMigrator } from './index.ts';

const BATCH = 'bbbbbbbbbbb1';

// A real migration: payments.confirmations integer → bigint with a new default,
// payments.detected_in_block nullable → not null (default 0), and transactions.block_hash
// not null → nullable. Payments is referenced by transactions, so on SQLite the rebuild has
// to drop and recreate a table other rows point at.
const BATCH_UP = `
  await sql\`update payments set detected_in_block = 0 where detected_in_block is null\`.execute(db);
  await batchAlterTable(db, 'payments', (b) =>
    b
      .alterColumn('confirmations', { type: 'bigint', default: serverDefault.literal(1) })
      .alterColumn('detected_in_block', { nullable: false }),
  );
  await batchAlterTable(db, 'transactions', (b) => b.alterColumn('block_hash', { nullable: true }));`;
const BATCH_DOWN = `
  await batchAlterTable(db, 'transactions', (b) => b.alterColumn('block_hash', { nullable: false }));
  await batchAlterTable(db, 'payments', (b) =>
    b
      .alterColumn('detected_in_block', { nullable: true })
      .alterColumn('confirmations', { type: 'integer', default: serverDefault.literal(0) }),
  );`;

describe.each(engines)('batchAlterTable on %s', (engine) => {
  let handle: DatabaseHandle;
  let teardown: () => Promise<void>;
  let dir: MigrationsDir;

  beforeEach(async () => {
    ({ handle, teardown } = await openDatabase(engine));
    dir = makeMigrationsDir();
    dir.write(
      `2099_01_01_0000-${BATCH}_batch_change.ts`,
      migrationText(projectHead(), BATCH_UP, BATCH_DOWN),
    );
  });

  afterEach(async () => {
    await teardown();
    dir.remove();
  });

  it('changes type, nullability and default with rows and references intact, and reverts', async () => {
    const migrator = createMigrator({
      db: handle.db,
      migrationsDir: dir.dir,
      lockTimeoutMs: 10_000,
    });
    await migrator.upgrade(projectHead());
    const before = await snapshotSchema(handle.db);
    const { paymentId, tokenId } = await insertPaymentWithTransfer(handle);

    await migrator.upgrade();

    const payment = await handle.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .executeTakeFirstOrThrow();
    expect(payment.amount).toBe(2n ** 256n - 1n);
    expect(payment.token_id).toBe(tokenId);
    expect(payment.detected_in_block).toBe(0n);
    const transfers = await handle.db.selectFrom('transactions').selectAll().execute();
    expect(transfers.map((t) => t.payment_id)).toEqual([paymentId]);

    // The new rules hold: block_hash may be null, detected_in_block may not, and the
    // confirmations default is the new one.
    await handle.db
      .insertInto('transactions')
      .values({ ...transferRow(paymentId, tokenId), block_hash: null as unknown as string })
      .execute();
    await expect(
      handle.db
        .updateTable('payments')
        .set({ detected_in_block: null })
        .where('id', '=', paymentId)
        .execute(),
    ).rejects.toThrow();
    const second = await insertPayment(handle, tokenId, '0x02', 7n);
    const fresh = await handle.db
      .selectFrom('payments')
      .select(sql<string | number>`confirmations`.as('c'))
      .where('id', '=', second)
      .executeTakeFirstOrThrow();
    expect(Number(fresh.c)).toBe(1);

    // Foreign keys survive the rebuild: a transfer to no payment is refused, and the
    // cascade from payments to transactions still works.
    await expect(
      handle.db.insertInto('transactions').values(transferRow(v7(), tokenId)).execute(),
    ).rejects.toThrow();
    await handle.db.deleteFrom('payments').where('id', '=', second).execute();

    await handle.db.deleteFrom('transactions').where('block_hash', 'is', null).execute();
    await migrator.downgrade(projectHead());
    expect(await snapshotSchema(handle.db)).toEqual(before);
    const after = await handle.db.selectFrom('payments').select(['id', 'amount']).execute();
    expect(after).toEqual([{ id: paymentId, amount: 2n ** 256n - 1n }]);
  });

  it('refuses a rebuild that would leave rows breaking foreign keys, and keeps the data', async () => {
    dir.write(
      '2099_01_01_0001-bbbbbbbbbbb2_orphan_rows.ts',
      migrationText(
        BATCH,
        `await batchAlterTable(db, 'transactions', (b) => b.alterColumn('status', { default: serverDefault.literal('seen') }));
         await sql\`update transactions set payment_id = '018f0000-0000-7000-8000-000000000002'\`.execute(db);`,
        '',
      ),
    );
    const migrator = createMigrator({
      db: handle.db,
      migrationsDir: dir.dir,
      lockTimeoutMs: 10_000,
    });
    await migrator.upgrade(projectHead());
    const { paymentId } = await insertPaymentWithTransfer(handle);
    // The migration points the transfer at no payment (an update, so it needs no list of
    // transfer columns). SQLite finds the orphan with foreign_key_check before commit;
    // PostgreSQL at the update.
    await expect(migrator.upgrade()).rejects.toThrow(
      /orphan_rows\.ts failed and was rolled back: .*(breaking foreign keys \(transactions → payments\)|violates foreign key constraint)/,
    );
    expect((await migrator.status()).current).toBe(BATCH);
    const transfers = await handle.db.selectFrom('transactions').select('payment_id').execute();
    expect(transfers).toEqual([{ payment_id: paymentId }]);
  });

  it('refuses to run outside a migration on SQLite, where foreign keys are on', async () => {
    await createMigrator({ db: handle.db, migrationsDir: dir.dir, lockTimeoutMs: 10_000 }).upgrade(
      projectHead(),
    );
    const attempt = batchAlterTable(handle.db, 'payments', (b) =>
      b.alterColumn('status', { nullable: true }),
    );
    if (engine === 'sqlite') {
      await expect(attempt).rejects.toMatchObject({ code: 'MIGRATION_BATCH_OUTSIDE_MIGRATION' });
    } else {
      await attempt;
    }
  });
});

async function insertPayment(
  handle: DatabaseHandle,
  tokenId: string,
  address: string,
  detectedInBlock: bigint | null = null,
) {
  const row = paymentRow(tokenId, {
    address,
    amount: 2n ** 256n - 1n,
    detected_in_block: detectedInBlock,
    expires_at: new Date('2030-01-01T00:00:00.000Z'),
  });
  await handle.db.insertInto('payments').values(row).execute();
  return row.id;
}

async function insertPaymentWithTransfer(handle: DatabaseHandle) {
  const tokenId = await insertToken(handle.db);
  const paymentId = await insertPayment(handle, tokenId, '0x01');
  await handle.db.insertInto('transactions').values(transferRow(paymentId, tokenId)).execute();
  return { paymentId, tokenId };
}
