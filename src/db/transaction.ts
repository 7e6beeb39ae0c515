import type { ControlledTransaction, Kysely, Transaction } from 'kysely';
import { NestedTransactionError } from './errors.ts';

const depths = new WeakMap<object, number>();

/**
 * Runs `fn` as one unit of work: committed when it resolves, rolled back when it throws.
 * Called with a transaction that `withTransaction` started, it nests through a savepoint, so
 * the inner unit rolls back alone and the outer one goes on.
 */
export async function withTransaction<DB, T>(
  // Listing Transaction lets TypeScript infer DB when an outer unit of work is passed in.
  db: Kysely<DB> | Transaction<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (isControlled(db)) return inSavepoint(db, fn);
  if (db.isTransaction) {
    throw new NestedTransactionError();
  }
  const trx = await db.startTransaction().execute();
  depths.set(trx, 0);
  try {
    const result = await fn(trx);
    await trx.commit().execute();
    return result;
  } catch (error) {
    await trx.rollback().execute();
    throw error;
  }
}

/** Duck-typed, so a transaction made by another copy of Kysely (a migration's) still nests. */
function isControlled<DB>(db: Kysely<DB> | Transaction<DB>): db is ControlledTransaction<DB> {
  return db.isTransaction && typeof (db as { savepoint?: unknown }).savepoint === 'function';
}

async function inSavepoint<DB, T>(
  trx: ControlledTransaction<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const depth = (depths.get(trx) ?? 0) + 1;
  const name = `ctrip_sp_${depth}`;
  const inner = await trx.savepoint(name).execute();
  depths.set(inner, depth);
  try {
    const result = await fn(inner);
    await inner.releaseSavepoint(name).execute();
    return result;
  } catch (error) {
    await inner.rollbackToSavepoint(name).execute();
    throw error;
  }
}
