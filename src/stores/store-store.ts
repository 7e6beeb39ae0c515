import type { Kysely, Transaction } from 'kysely';
import { isId, newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { StoreError } from './errors.ts';

/** The store the first migration creates: payments and keys belong to it unless told otherwise. */
export const DEFAULT_STORE_NAME = 'default';

export interface Store {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/** Adds a store; names are unique. */
export async function createStore(db: Kysely<Database>, name: string): Promise<Store> {
  const trimmed = name.trim();
  if (!NAME.test(trimmed)) {
    throw new StoreError(
      'STORE_INVALID_NAME',
      'a store name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  const existing = await db
    .selectFrom('stores')
    .select('id')
    .where('name', '=', trimmed)
    .executeTakeFirst();
  if (existing) {
    throw new StoreError('STORE_NAME_TAKEN', `a store named "${trimmed}" already exists`, {
      name: trimmed,
    });
  }
  const store = { id: newId(), name: trimmed, created_at: new Date() };
  await db.insertInto('stores').values(store).execute();
  return { id: store.id, name: store.name, createdAt: store.created_at };
}

export async function listStores(db: Kysely<Database>): Promise<Store[]> {
  const rows = await db
    .selectFrom('stores')
    .selectAll()
    .orderBy('created_at')
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
}

/** A store by name (or id); STORE_NOT_FOUND when there is none. */
export async function findStore(
  db: Kysely<Database> | Transaction<Database>,
  nameOrId: string,
): Promise<Store> {
  const row = await db
    .selectFrom('stores')
    .selectAll()
    // Only a well-formed id is compared with the uuid column (PostgreSQL refuses anything else).
    .where((eb) =>
      isId(nameOrId)
        ? eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)])
        : eb('name', '=', nameOrId),
    )
    .executeTakeFirst();
  if (!row)
    throw new StoreError('STORE_NOT_FOUND', `no store named "${nameOrId}"`, { store: nameOrId });
  return { id: row.id, name: row.name, createdAt: row.created_at };
}
