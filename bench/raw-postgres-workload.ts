import pg from 'pg';
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
const LOOKUP_SQL = 'SELECT * FROM payments WHERE chain = $1 AND address = $2';
const LOOKUP_BY_ADDRESS_SQL = 'SELECT * FROM payments WHERE address = $1';

/** A payments row as `pg` returns it: numeric and int8 as strings, timestamptz as Date. */
interface PgPaymentRow {
  id: string;
  token_id: string;
  chain: string;
  address: string;
  amount: string;
  status: string;
  confirmations: number;
  detected_in_block: string | null;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

export interface RawPostgresOptions {
  readonly connectionString: string;
  readonly poolSize: number;
}

/** The baseline on PostgreSQL: a plain `pg.Pool`, hand-written SQL, hand-converted values. */
export function createRawPostgresWorkload(options: RawPostgresOptions): Workload {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize });
  const insertSql = new Map<number, string>();

  return {
    async reset() {
      await pool.query('TRUNCATE transactions, payments');
    },

    async insert(batches) {
      for (const batch of batches) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(insertSqlFor(insertSql, batch.length), toParameters(batch));
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      }
    },

    async lookup({ addresses, chain }) {
      let checksum = 0n;
      for (const address of addresses) {
        const { rows } =
          chain === null
            ? await pool.query<PgPaymentRow>(LOOKUP_BY_ADDRESS_SQL, [address])
            : await pool.query<PgPaymentRow>(LOOKUP_SQL, [chain, address]);
        const found = rows[0];
        if (!found) throw new PaymentNotFoundError(address);
        const row = {
          ...found,
          amount: BigInt(found.amount),
          detected_in_block:
            found.detected_in_block === null ? null : BigInt(found.detected_in_block),
        };
        checksum += checksumOf(row.amount, row.expires_at);
      }
      return checksum;
    },

    close: () => pool.end(),
  };
}

/** `INSERT … VALUES ($1, …, $6), ($7, …)`, written once per batch size. */
function insertSqlFor(cache: Map<number, string>, rows: number): string {
  let text = cache.get(rows);
  if (text === undefined) {
    const width = INSERT_COLUMNS.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const placeholders = INSERT_COLUMNS.map((_, c) => `$${r * width + c + 1}`);
      tuples.push(`(${placeholders.join(', ')})`);
    }
    text = `INSERT INTO payments (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
    cache.set(rows, text);
  }
  return text;
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
      row.expires_at,
      row.watch_until,
    );
  }
  return parameters;
}
