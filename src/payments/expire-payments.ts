import type { Kysely } from 'kysely';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import {
  type ReconciledChange,
  type ReconcilePolicy,
  reconcilePayments,
} from './reconcile-payments.ts';

const BATCH = 500;

/**
 * Moves open payments whose time is up to `expired` (flagged `underpaid` when some money came),
 * in batches of one transaction each. A payment already holding its full amount and waiting
 * for confirmations stays `detected`: the money came in time.
 */
export async function expirePayments(
  db: Kysely<Database>,
  policy: ReconcilePolicy,
  now: Date = new Date(),
): Promise<ReconciledChange[]> {
  const changes: ReconciledChange[] = [];
  let after: string | undefined;
  for (;;) {
    // Keyset pagination by id: rows that stay `detected` are not selected twice in one run.
    let query = db
      .selectFrom('payments')
      .select('id')
      .where('status', 'in', ['pending', 'detected'])
      .where('expires_at', '<=', now);
    if (after !== undefined) query = query.where('id', '>', after);
    const due = await query.orderBy('id').limit(BATCH).execute();
    if (due.length === 0) return changes;
    after = due[due.length - 1]?.id;
    const ids = due.map((row) => row.id);
    changes.push(...(await withTransaction(db, (trx) => reconcilePayments(trx, ids, policy, now))));
  }
}
