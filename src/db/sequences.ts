import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './models/index.ts';

/**
 * Takes the next value of the counter `name` (0 the first time). One atomic upsert: the row
 * lock (PostgreSQL) or the write lock (SQLite) makes concurrent callers, in any process,
 * receive distinct values. A value taken by a transaction that later rolls back is skipped,
 * never reused.
 */
export async function takeSequenceValue(
  db: Kysely<Database> | Transaction<Database>,
  name: string,
): Promise<bigint> {
  const row = await db
    .insertInto('sequences')
    .values({ name, next_value: 1n })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ next_value: sql<bigint>`sequences.next_value + 1` }),
    )
    .returning('next_value')
    .executeTakeFirstOrThrow();
  return row.next_value - 1n;
}
