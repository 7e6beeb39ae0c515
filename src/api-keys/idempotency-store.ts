import type { Kysely } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';

/** How long a key is remembered: at least a day, as clients retry for up to that long. */
export const IDEMPOTENCY_RETENTION_MS = 48 * 3_600_000;
/** A claim whose request never finished (a crash) is given up after this. */
const IN_PROGRESS_TIMEOUT_MS = 60_000;

export type IdempotencyClaim =
  | { readonly kind: 'claimed'; readonly id: string }
  | { readonly kind: 'replay'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in_progress' };

/**
 * Claims `key` for a request with `requestHash`. The first caller gets `claimed` and must
 * later `completeIdempotentRequest` (or `releaseIdempotencyClaim` on failure); a repeat with
 * the same request gets the stored response; with another request, `mismatch`; while the
 * first is still running, `in_progress`. The claim is one conditional insert, so two
 * concurrent requests with one key never both run.
 */
export async function claimIdempotencyKey(
  db: Kysely<Database>,
  params: { apiKeyId: string; key: string; requestHash: string; now?: Date },
): Promise<IdempotencyClaim> {
  const now = params.now ?? new Date();
  const id = newId();
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({
      id,
      api_key_id: params.apiKeyId,
      key: params.key,
      request_hash: params.requestHash,
      response_status: 0,
      response_body: {},
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['api_key_id', 'key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { kind: 'claimed', id };
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['id', 'request_hash', 'response_status', 'response_body', 'created_at'])
    .where('api_key_id', '=', params.apiKeyId)
    .where('key', '=', params.key)
    .executeTakeFirst();
  if (!row) return claimIdempotencyKey(db, params);
  const expired = now.getTime() - row.created_at.getTime() > IDEMPOTENCY_RETENTION_MS;
  const abandoned =
    row.response_status === 0 && now.getTime() - row.created_at.getTime() > IN_PROGRESS_TIMEOUT_MS;
  if (expired || abandoned) {
    await db.deleteFrom('idempotency_keys').where('id', '=', row.id).execute();
    return claimIdempotencyKey(db, params);
  }
  if (row.request_hash !== params.requestHash) return { kind: 'mismatch' };
  if (row.response_status === 0) return { kind: 'in_progress' };
  return { kind: 'replay', status: row.response_status, body: row.response_body };
}

export async function completeIdempotentRequest(
  db: Kysely<Database>,
  claimId: string,
  response: { status: number; body: unknown },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ response_status: response.status, response_body: response.body })
    .where('id', '=', claimId)
    .execute();
}

/** Gives a claim up after the request failed, so a retry with the same key can run. */
export async function releaseIdempotencyClaim(
  db: Kysely<Database>,
  claimId: string,
): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('id', '=', claimId).execute();
}

/** Forgets keys older than the retention period (run by the worker now and then). */
export async function purgeIdempotencyKeys(
  db: Kysely<Database>,
  now: Date = new Date(),
): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
