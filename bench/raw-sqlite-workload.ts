import Database from 'better-sqlite3';
import type { NewPayment } from './fixtures.ts';
import { checksumOf, PaymentNotFoundError, type Workload } from './workload.ts';

const INSERT_COLUMNS = [
  'id',
  'store_id',
  'token_id',
  'chain',
  'address',
  'address_index',
  'amount',
  'expires_at',
  'watch_until',
] as const;
const LOOKUP_SQL = 'SELECT * FROM payments WHERE chain = ? AND address = ?';
const LOOKUP_BY_ADDRESS_SQL = 'SELECT * FROM payments WHERE address = ?';

/** A payments row as better-sqlite3 returns it: uint256 and timestamps as TEXT. */
interface SqlitePaymentRow {
  id: string;
  token_id: string;
  chain: string;
  address: string;
  amount: string;
  status: string;
  confirmations: number;
  detected_in_block: number | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export interface RawSqliteOptions {
  readonly filename: string;
  readonly busyTimeoutMs: number;
}

/**
 * The baseline on SQLite: better-sqlite3 opened with the pragmas cTrip uses, one prepared
 * statement per distinct SQL, writes in BEGIN IMMEDIATE transactions as cTrip's driver does.
 */
export function createRawSqliteWorkload(options: RawSqliteOptions): Workload {
  const db = new Database(options.filename, { timeout: options.busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  const inserts = new Map<number, Database.Statement>();
  const lookupStatement = db.prepare<[string, string], SqlitePaymentRow>(LOOKUP_SQL);
  const lookupByAddressStatement = db.prepare<[string], SqlitePaymentRow>(LOOKUP_BY_ADDRESS_SQL);
  const insertBatch = db.transaction((statement: Database.Statement, parameters: unknown[]) => {
    statement.run(parameters);
  });

  const insertStatementFor = (rows: number): Database.Statement => {
    let statement = inserts.get(rows);
    if (!statement) {
      const tuple = `(${INSERT_COLUMNS.map(() => '?').join(', ')})`;
      statement = db.prepare(
        `INSERT INTO payments (${INSERT_COLUMNS.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`,
      );
      inserts.set(rows, statement);
    }
    return statement;
  };

  return {
    async reset() {
      db.exec('DELETE FROM payments');
      db.pragma('wal_checkpoint(TRUNCATE)');
    },

    async insert(batches) {
      for (const batch of batches) {
        insertBatch.immediate(insertStatementFor(batch.length), toParameters(batch));
      }
    },

    async lookup({ addresses, chain }) {
      let checksum = 0n;
      for (const address of addresses) {
        const found =
          chain === null
            ? lookupByAddressStatement.get(address)
            : lookupStatement.get(chain, address);
        if (!found) throw new PaymentNotFoundError(address);
        const row = {
          ...found,
          amount: BigInt(found.amount),
          detected_in_block:
            found.detected_in_block === null ? null : BigInt(found.detected_in_block),
          expires_at: new Date(found.expires_at),
          created_at: new Date(found.created_at),
          updated_at: new Date(found.updated_at),
        };
        checksum += checksumOf(row.amount, row.expires_at);
      }
      return checksum;
    },

    async close() {
      db.close();
    },
  };
}

function toParameters(batch: readonly NewPayment[]): unknown[] {
  const parameters: unknown[] = [];
  for (const row of batch) {
    parameters.push(
      row.id,
      row.store_id,
      row.token_id,
      row.chain,
      row.address,
      row.address_index.toString(),
      row.amount.toString(),
      row.expires_at.toISOString(),
      row.watch_until.toISOString(),
    );
  }
  return parameters;
}
