import { CtripError } from '../../errors.ts';

export class MigrationError extends CtripError {}

/** A target that does not fit the command: behind head for upgrade, past base, and so on. */
export class MigrationTargetError extends MigrationError {
  constructor(message: string) {
    super('MIGRATION_BAD_TARGET', message);
  }
}

/** Production refuses to start on a schema that is not at head. */
export class MigrationsPendingError extends MigrationError {
  constructor(revisions: readonly string[]) {
    super(
      'MIGRATION_PENDING',
      `${revisions.length} migration(s) pending (${revisions.join(', ')}); run \`ctrip migrate upgrade\` before starting`,
      { details: { revisions } },
    );
  }
}

export class InvalidMigrationMessageError extends MigrationError {
  constructor() {
    super('MIGRATION_BAD_MESSAGE', 'the message must contain letters or digits');
  }
}

/** batchAlterTable was asked for something the table does not allow. */
export class BatchAlterError extends MigrationError {
  constructor(
    code:
      | 'MIGRATION_BATCH_OUTSIDE_MIGRATION'
      | 'MIGRATION_BATCH_UNKNOWN_TABLE'
      | 'MIGRATION_BATCH_UNKNOWN_COLUMN'
      | 'MIGRATION_BATCH_UNKNOWN_CONSTRAINT',
    message: string,
  ) {
    super(code, message);
  }
}

export class UnknownRevisionError extends MigrationError {
  constructor(revision: string, known: readonly string[]) {
    const hint =
      revision.length < 4
        ? '; give at least 4 characters of a revision'
        : known.length
          ? `; known revisions: ${known.slice(-5).join(', ')}`
          : '';
    super('MIGRATION_UNKNOWN_REVISION', `unknown revision '${revision}'${hint}`, {
      details: { revision },
    });
  }
}

export class AmbiguousRevisionError extends MigrationError {
  constructor(prefix: string, matches: readonly string[]) {
    super(
      'MIGRATION_AMBIGUOUS_REVISION',
      `revision prefix '${prefix}' matches ${matches.join(', ')}; give more characters`,
      { details: { prefix, matches } },
    );
  }
}

/** The files do not form one line from base to head (a branch, a gap, a duplicate). */
export class MigrationChainError extends MigrationError {
  constructor(message: string) {
    super('MIGRATION_CHAIN_INVALID', message);
  }
}

export class MigrationFileMissingError extends MigrationError {
  constructor(revisions: readonly string[]) {
    super(
      'MIGRATION_FILE_MISSING',
      `the database has revision${revisions.length > 1 ? 's' : ''} ${revisions.join(', ')} applied but no migration file for ${revisions.length > 1 ? 'them' : 'it'}; restore the file(s) or run from the release that has them`,
      { details: { revisions } },
    );
  }
}

export class MigrationFailedError extends MigrationError {
  constructor(direction: 'upgrade' | 'downgrade', file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('MIGRATION_FAILED', `${direction} ${file} failed and was rolled back: ${reason}`, {
      details: { direction, file },
      cause,
    });
  }
}

export class MigrationLockTimeoutError extends MigrationError {
  constructor(waitedMs: number) {
    super(
      'MIGRATION_LOCK_TIMEOUT',
      `waited ${(waitedMs / 1000).toFixed(1)} s for another migration run to finish (MIGRATION_LOCK_TIMEOUT_MS); try again when it has`,
      { retryable: true },
    );
  }
}

export class InvalidMigrationFileError extends MigrationError {
  constructor(file: string, problem: string) {
    super('MIGRATION_FILE_INVALID', `${file}: ${problem}`, { details: { file } });
  }
}

export class NoMigrationsTableError extends MigrationError {
  constructor() {
    super(
      'MIGRATION_NO_VERSION_TABLE',
      'the database has no migrations table yet; run `ctrip migrate upgrade` (or `ctrip migrate stamp head` for a database made another way)',
    );
  }
}
