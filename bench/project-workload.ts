import { sql } from 'kysely';
import type { DatabaseSettings } from '../src/config/index.ts';
import { createDatabase } from '../src/db/create-database.ts';
import { prepareQuery } from '../src/db/prepared-query.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { checksumOf, PaymentNotFoundError, type Workload } from './workload.ts';

/**
 * The project's layer: `createDatabase` (Kysely, the value-codec plugin, cTrip's pool or
 * SQLite driver), `withTransaction`, and the query builder as application code writes it;
 * for prepared lookups, `prepareQuery`.
 */
export function createProjectWorkload(settings: DatabaseSettings): Workload {
  const handle = createDatabase(settings);
  const { db } = handle;
  const byChainAndAddress = prepareQuery(db, (db, p: { chain: string; address: string }) =>
    db
      .selectFrom('payments')
      .selectAll()
      .where('chain', '=', p.chain)
      .where('address', '=', p.address),
  );
  return {
    async reset() {
      if (handle.engine === 'postgres') {
        await sql`truncate transactions, payments`.execute(db);
      } else {
        await sql`delete from payments`.execute(db);
        await sql`pragma wal_checkpoint(truncate)`.execute(db);
      }
    },

    async insert(batches) {
      for (const batch of batches) {
        await withTransaction(db, (trx) => trx.insertInto('payments').values(batch).execute());
      }
    },

    async lookup({ addresses, chain, prepared }) {
      if (prepared && chain !== null) {
        let checksum = 0n;
        for (const address of addresses) {
          const row = await byChainAndAddress.executeTakeFirst({ chain, address });
          if (!row) throw new PaymentNotFoundError(address);
          checksum += checksumOf(row.amount, row.expires_at);
        }
        return checksum;
      }
      let checksum = 0n;
      for (const address of addresses) {
        let query = db.selectFrom('payments').selectAll();
        if (chain !== null) query = query.where('chain', '=', chain);
        const row = await query.where('address', '=', address).executeTakeFirst();
        if (!row) throw new PaymentNotFoundError(address);
        checksum += checksumOf(row.amount, row.expires_at);
      }
      return checksum;
    },

    close: () => handle.close(),
  };
}
