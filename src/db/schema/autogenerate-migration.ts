import { createMigrationFile } from '../migrate/create-migration-file.ts';
import { createMigrator } from '../migrate/migrator.ts';
import { type CompareSchemaParams, compareSchema } from './compare-schema.ts';
import { SchemaNotAtHeadError } from './errors.ts';
import { renderMigration } from './render-migration.ts';
import { describeOperation } from './schema-operation.ts';

export interface AutogenerateMigrationParams extends CompareSchemaParams {
  readonly migrationsDir: string;
  readonly message: string;
  /** Write a file (with empty functions) even when there is nothing to do. */
  readonly empty?: boolean;
  readonly now?: Date;
}

export interface AutogenerateMigrationResult {
  /** The file written; null when there was nothing to do and `empty` was not asked for. */
  readonly path: string | null;
  /** One line per operation, in the order `up` runs them. */
  readonly operations: readonly string[];
  /** Data loss and guesses a person should review before applying the file. */
  readonly warnings: readonly string[];
}

/**
 * `ctrip migrate create --autogenerate`: compares the models with the database and writes
 * the migration that takes one to the other, with a `down` that undoes it. The database must
 * be at head, or the file would repeat what pending migrations already do.
 */
export async function autogenerateMigration(
  params: AutogenerateMigrationParams,
): Promise<AutogenerateMigrationResult> {
  const { migrationsDir: dir, message, now } = params;
  const status = await createMigrator({
    db: params.db,
    migrationsDir: dir,
    lockTimeoutMs: 1,
  }).status();
  if (status.pending.length > 0 || status.missing.length > 0) {
    throw new SchemaNotAtHeadError(
      status.pending.map((f) => f.revision),
      status.missing,
    );
  }
  const operations = await compareSchema(params);
  if (operations.length === 0) {
    const path = params.empty ? createMigrationFile({ dir, message, now }) : null;
    return { path, operations: [], warnings: [] };
  }
  const rendered = renderMigration(operations, dir);
  const path = createMigrationFile({ dir, message, now, body: rendered });
  return { path, operations: operations.map(describeOperation), warnings: rendered.warnings };
}
