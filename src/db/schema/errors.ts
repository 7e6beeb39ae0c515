import { CtripError } from '../../errors.ts';

export class SchemaError extends CtripError {}

/** Autogenerate compares the models with a database at head, or it would redo pending work. */
export class SchemaNotAtHeadError extends SchemaError {
  constructor(pending: readonly string[], missing: readonly string[]) {
    const parts = [
      pending.length > 0 ? `${pending.length} migration(s) pending (${pending.join(', ')})` : '',
      missing.length > 0 ? `applied revisions with no file (${missing.join(', ')})` : '',
    ].filter(Boolean);
    super(
      'SCHEMA_NOT_AT_HEAD',
      `the database is not at head: ${parts.join('; ')}; run \`ctrip migrate upgrade\` before --autogenerate`,
      { details: { pending, missing } },
    );
  }
}

/** A difference autogenerate cannot write as a migration that runs on both engines. */
export class SchemaUnsupportedChangeError extends SchemaError {
  constructor(change: string, reason: string) {
    super(
      'SCHEMA_UNSUPPORTED_CHANGE',
      `cannot autogenerate "${change}": ${reason}; write this migration by hand (ctrip migrate create)`,
      { details: { change } },
    );
  }
}
