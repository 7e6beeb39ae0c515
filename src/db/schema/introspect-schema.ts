import type { Kysely } from 'kysely';
import { engineOf } from '../column-sql.ts';
import { VERSION_TABLE } from '../migrate/version-table.ts';
import { type DatabaseSchema, withoutTables } from './database-schema.ts';
import { introspectPostgres } from './introspect-postgres.ts';
import { introspectSqlite } from './introspect-sqlite.ts';

export interface IntrospectSchemaOptions {
  /** Tables to leave out besides the migration tool's own (MIGRATE_IGNORE_TABLES). */
  readonly ignoreTables?: readonly string[];
}

/**
 * Reads a live database into the shape the models are compared in, without the migration
 * tool's table and the tables the operator asked to ignore.
 */
export async function introspectSchema(
  // biome-ignore lint/suspicious/noExplicitAny: reads any schema
  db: Kysely<any>,
  options: IntrospectSchemaOptions = {},
): Promise<DatabaseSchema> {
  const schema =
    engineOf(db) === 'postgres' ? await introspectPostgres(db) : await introspectSqlite(db);
  return withoutTables(schema, ignoredTables(options.ignoreTables));
}

/** The migration tool's own table and the operator's list. */
export function ignoredTables(extra: readonly string[] = []): ReadonlySet<string> {
  return new Set([VERSION_TABLE, ...extra]);
}
