import type { Kysely, Transaction } from 'kysely';
import type { Database } from './models/index.ts';

export interface LeaseParams {
  /** What is claimed, e.g. `scan:ethereum`. */
  readonly name: string;
  /** Who claims it: unique per process (host, pid and a random part). */
  readonly holder: string;
  readonly ttlMs: number;
  readonly now?: Date;
}

/**
 * Claims `name` for `holder` until now + ttl, if nobody else holds an unexpired claim; a
 * holder renewing its own claim succeeds too. One conditional upsert, so two processes racing
 * for a free lease cannot both win on either engine. Times are the processes' clocks: hosts
 * must keep them in sync (NTP) to well within the ttl.
 */
export async function acquireLease(
  db: Kysely<Database> | Transaction<Database>,
  params: LeaseParams,
): Promise<boolean> {
  const now = params.now ?? new Date();
  const expiresAt = new Date(now.getTime() + params.ttlMs);
  const row = await db
    .insertInto('leases')
    .values({ name: params.name, holder: params.holder, expires_at: expiresAt, acquired_at: now })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet((eb) => ({
          holder: eb.ref('excluded.holder'),
          expires_at: eb.ref('excluded.expires_at'),
          acquired_at: eb
            .case()
            .when('leases.holder', '=', eb.ref('excluded.holder'))
            .then(eb.ref('leases.acquired_at'))
            .else(eb.ref('excluded.acquired_at'))
            .end(),
        }))
        .where((eb) =>
          eb.or([eb('leases.holder', '=', params.holder), eb('leases.expires_at', '<', now)]),
        ),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === params.holder;
}

/**
 * Extends a lease `holder` still has. Called in the transaction that commits the work the
 * lease guards: if the lease was lost (it lapsed and another process took it), this returns
 * false and the caller rolls back, so a stalled holder can never overwrite the new one's work.
 */
export async function renewLease(
  trx: Kysely<Database> | Transaction<Database>,
  params: LeaseParams,
): Promise<boolean> {
  const now = params.now ?? new Date();
  const result = await trx
    .updateTable('leases')
    .set({ expires_at: new Date(now.getTime() + params.ttlMs) })
    .where('name', '=', params.name)
    .where('holder', '=', params.holder)
    .where('expires_at', '>=', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives a lease up at once (on shutdown), so the next holder need not wait for it to lapse. */
export async function releaseLease(
  db: Kysely<Database>,
  params: Pick<LeaseParams, 'name' | 'holder'>,
): Promise<void> {
  await db
    .deleteFrom('leases')
    .where('name', '=', params.name)
    .where('holder', '=', params.holder)
    .execute();
}
