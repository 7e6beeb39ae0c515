import { CtripError } from '../../errors.ts';

export class MigrationError extends CtripError {}

export class UnknownRevisionError extends MigrationError {
  constructor(revision: string, known: readonly string[]) {
    const hint = known.length ? `; known revisions: ${known.slice(-5).join(', ')}` : '';
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
      `another migration run held the lock for ${Math.round(waitedMs / 1000)} s; try again when it has finished`,
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
