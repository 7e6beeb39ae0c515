import type { Kysely } from 'kysely';
import type { Database } from '../db/models/index.ts';
import type { PaymentStatus } from './payment-status.ts';

/** How many payments are in each status, every status present (zero when none), for metrics. */
export async function countPaymentsByStatus(
  db: Kysely<Database>,
): Promise<Record<PaymentStatus, number>> {
  const rows = await db
    .selectFrom('payments')
    .select(['status', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
    .groupBy('status')
    .execute();
  // Listing every status makes the compiler catch a new one, and a gauge at 0 beats a missing one.
  const counts: Record<PaymentStatus, number> = {
    pending: 0,
    detected: 0,
    confirmed: 0,
    settled: 0,
    expired: 0,
    canceled: 0,
  };
  for (const row of rows) {
    // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
    if (row.status in counts) counts[row.status as PaymentStatus] = Number(row.count);
  }
  return counts;
}
