import { ControlledTransaction, type Kysely, type Transaction } from 'kysely';
import { NestedTransactionError } from './errors.ts';

const depths = new WeakMap<object, number>();

/**
 * Runs `fn` as one unit of work: committed when it resolves, rolled back when it throws.
 * Called with a transaction that `withTransaction` started, it nests through a savepoint, so
 * the inner unit rolls back alone and the outer one goes on.
 */
export async function withTransaction<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (db instanceof ControlledTransaction) return inSavepoint(db, fn);
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
