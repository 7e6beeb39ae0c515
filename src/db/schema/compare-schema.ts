import type { Kysely } from 'kysely';
import { engineOf } from '../column-sql.ts';
import type { TableSpec } from '../table.ts';
import { withoutTables } from './database-schema.ts';
import { diffSchema } from './diff-schema.ts';
import { expectedSchema } from './expected-schema.ts';
import { ignoredTables, introspectSchema } from './introspect-schema.ts';
import type { SchemaOperation } from './schema-operation.ts';

export interface CompareSchemaParams {
  // biome-ignore lint/suspicious/noExplicitAny: reads any schema
  readonly db: Kysely<any>;
  /** The models to compare with: the registry (`models`), or a changed set in tests. */
  readonly models: readonly TableSpec[];
  /** MIGRATE_IGNORE_TABLES: left out on both sides, with the migration tool's own table. */
  readonly ignoreTables?: readonly string[];
}

/** The operations that would take the database to the models; empty when they match. */
export async function compareSchema({
  db,
  models,
  ignoreTables = [],
}: CompareSchemaParams): Promise<SchemaOperation[]> {
  const ignored = ignoredTables(ignoreTables);
  const expected = withoutTables(expectedSchema(engineOf(db), models), ignored);
  const actual = await introspectSchema(db, { ignoreTables });
  return diffSchema(expected, actual);
}
