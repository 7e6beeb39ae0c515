import { createMigrator } from '../migrate/migrator.ts';
import { type CompareSchemaParams, compareSchema } from './compare-schema.ts';
import { describeOperation, type SchemaOperation } from './schema-operation.ts';

export interface CheckSchemaParams extends CompareSchemaParams {
  readonly migrationsDir: string;
}

export interface CheckSchemaResult {
  /** True when the database is at head and matches the models. */
  readonly ok: boolean;
  /** Migrations not applied yet, as file names. */
  readonly pending: readonly string[];
  /** Applied revisions with no file. */
  readonly missing: readonly string[];
  readonly operations: readonly SchemaOperation[];
  /** One line per operation a migration would need, for people. */
  readonly differences: readonly string[];
}

/**
 * `ctrip migrate check`: is the database at the head of the migrations, and does it match
 * the models? The comparison runs even with migrations pending, so the answer lists all
 * that is wrong at once. Takes no lock and changes nothing.
 */
export async function checkSchema(params: CheckSchemaParams): Promise<CheckSchemaResult> {
  // status() takes no lock; the migrator wants a value all the same.
  const migrator = createMigrator({
    db: params.db,
    migrationsDir: params.migrationsDir,
    lockTimeoutMs: 1,
  });
  const status = await migrator.status();
  const operations = await compareSchema(params);
  const pending = status.pending.map((f) => f.fileName);
  return {
    ok: pending.length === 0 && status.missing.length === 0 && operations.length === 0,
    pending,
    missing: status.missing,
    operations,
    differences: operations.map(describeOperation),
  };
}
