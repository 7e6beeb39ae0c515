import { type Kysely, sql } from 'kysely';

/**
 * Resolves once a trivial query makes the round trip; rejects with the driver's error otherwise.
 * For health checks that hold a Kysely instance but not the handle that opened it.
 */
// biome-ignore lint/suspicious/noExplicitAny: a round trip needs no schema
export async function pingDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
