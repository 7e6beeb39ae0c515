import type { Kysely } from 'kysely';
import { MigrationFailedError, MigrationFileMissingError, MigrationTargetError } from './errors.ts';
import { type MigrationFile, readMigrationFiles, resolveRevision } from './migration-files.ts';
import { isBusy, runMigrationTransaction, withMigrationLock } from './migration-lock.ts';
import {
  type AppliedMigration,
  clearApplied,
  ensureVersionTable,
  hasVersionTable,
  readApplied,
  recordApplied,
  removeApplied,
} from './version-table.ts';

// biome-ignore lint/suspicious/noExplicitAny: the migration tool works on any schema
type AnyDb = Kysely<any>;

export type Direction = 'upgrade' | 'downgrade';

/** What happened to one migration in a run. */
export interface StepResult {
  readonly revision: string;
  readonly fileName: string;
  readonly direction: Direction;
  /** `skipped`: another runner did it first. */
  readonly status: 'applied' | 'skipped';
  readonly durationMs: number;
}

export interface MigrationStatus {
  /** Every migration file, base first. */
  readonly files: readonly MigrationFile[];
  readonly applied: ReadonlyMap<string, AppliedMigration>;
  readonly hasVersionTable: boolean;
  /** The newest applied revision in file order; null at base. */
  readonly current: string | null;
  readonly head: string | null;
  readonly pending: readonly MigrationFile[];
  /** Applied migrations whose file changed since (checksum differs). */
  readonly edited: readonly MigrationFile[];
  /** Applied revisions that have no file. */
  readonly missing: readonly string[];
}

export interface MigratorOptions {
  readonly db: AnyDb;
  readonly migrationsDir: string;
  readonly lockTimeoutMs: number;
  /** Another run holds the lock: this one waits. */
  readonly onWait?: () => void;
  readonly onStep?: (result: StepResult) => void;
}

export interface Migrator {
  status(): Promise<MigrationStatus>;
  /** Applies pending migrations up to `target` (`head`, `+N`, or a revision). */
  upgrade(target?: string): Promise<StepResult[]>;
  /** Reverts applied migrations down to `target` (`-N`, a revision, or `base`). */
  downgrade(target?: string): Promise<StepResult[]>;
  /** Records the database as being at `target` without running anything. */
  stamp(target: string): Promise<void>;
  /** The file a revision (or unique prefix of one) names. */
  resolve(revision: string): Promise<MigrationFile>;
}

export function createMigrator(options: MigratorOptions): Migrator {
  const { db } = options;
  const files = () => readMigrationFiles(options.migrationsDir);

  async function status(conn: AnyDb = db): Promise<MigrationStatus> {
    const all = files();
    const exists = await hasVersionTable(conn);
    const applied = exists ? await readApplied(conn) : new Map<string, AppliedMigration>();
    const known = new Set(all.map((f) => f.revision));
    const appliedFiles = all.filter((f) => applied.has(f.revision));
    return {
      files: all,
      applied,
      hasVersionTable: exists,
      current: appliedFiles.at(-1)?.revision ?? null,
      head: all.at(-1)?.revision ?? null,
      pending: all.filter((f) => !applied.has(f.revision)),
      edited: appliedFiles.filter((f) => applied.get(f.revision)?.checksum !== f.checksum),
      missing: [...applied.keys()].filter((r) => !known.has(r)),
    };
  }

  const lock = <T>(fn: (conn: AnyDb) => Promise<T>) =>
    withMigrationLock(db, { timeoutMs: options.lockTimeoutMs, onWait: options.onWait }, fn);

  async function runSteps(
    conn: AnyDb,
    direction: Direction,
    plan: readonly MigrationFile[],
  ): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const file of plan) {
      const { up, down } = await file.load();
      const started = performance.now();
      let ran = false;
      try {
        await runMigrationTransaction(conn, async (trx) => {
          // Re-read inside the transaction: on SQLite this, not a lock, is what makes a
          // second concurrent runner skip what the first has done.
          const isApplied = (await readApplied(trx)).has(file.revision);
          if (direction === 'upgrade' ? isApplied : !isApplied) return;
          if (direction === 'upgrade') {
            await up(trx);
            await recordApplied(trx, file);
          } else {
            await down(trx);
            await removeApplied(trx, file.revision);
          }
          ran = true;
        });
      } catch (error) {
        // Waiting for another runner is not this migration failing: let the lock say so.
        if (isBusy(error)) throw error;
        throw new MigrationFailedError(direction, file.fileName, error);
      }
      const result: StepResult = {
        revision: file.revision,
        fileName: file.fileName,
        direction,
        status: ran ? 'applied' : 'skipped',
        durationMs: Math.round(performance.now() - started),
      };
      results.push(result);
      options.onStep?.(result);
    }
    return results;
  }

  return {
    status: () => status(),

    resolve: async (revision) => resolveRevision(files(), revision, (await status()).missing),

    upgrade: (target = 'head') =>
      lock(async (conn) => {
        await ensureVersionTable(conn);
        const state = await status(conn);
        refuseMissing(state);
        const index = targetIndex(state, target, 'upgrade');
        const plan = state.files.slice(0, index + 1).filter((f) => !state.applied.has(f.revision));
        return runSteps(conn, 'upgrade', plan);
      }),

    downgrade: (target = '-1') =>
      lock(async (conn) => {
        await ensureVersionTable(conn);
        const state = await status(conn);
        refuseMissing(state);
        const index = targetIndex(state, target, 'downgrade');
        const plan = state.files
          .slice(index + 1)
          .filter((f) => state.applied.has(f.revision))
          .reverse();
        return runSteps(conn, 'downgrade', plan);
      }),

    stamp: (target) =>
      lock(async (conn) => {
        await ensureVersionTable(conn);
        const state = await status(conn);
        const index = target === 'base' ? -1 : indexOf(state.files, target, state);
        await runMigrationTransaction(conn, async (trx) => {
          await clearApplied(trx);
          for (const file of state.files.slice(0, index + 1)) await recordApplied(trx, file);
        });
      }),
  };
}

function refuseMissing(state: MigrationStatus): void {
  if (state.missing.length > 0) throw new MigrationFileMissingError(state.missing);
}

/** The index of the last file that should be applied after the run; -1 is base. */
function targetIndex(state: MigrationStatus, target: string, direction: Direction): number {
  const files = state.files;
  const current =
    state.current === null ? -1 : files.findIndex((f) => f.revision === state.current);
  let index: number;
  if (target === 'head') index = files.length - 1;
  else if (target === 'base') index = -1;
  else if (/^[+-]\d+$/.test(target)) {
    const step = Number(target);
    if ((direction === 'upgrade') !== step > 0) {
      throw new MigrationTargetError(
        `${direction} takes ${direction === 'upgrade' ? '+N' : '-N'}, not ${target}`,
      );
    }
    index = current + step;
    if (index < -1 || index >= files.length) {
      throw new MigrationTargetError(
        `${target} goes past ${index < -1 ? 'base' : 'head'}: ${current + 1} of ${files.length} migrations are applied`,
      );
    }
  } else index = indexOf(files, target, state);

  if (direction === 'upgrade' && index < current) {
    throw new MigrationTargetError(
      `${target} is behind the current revision ${state.current}; use downgrade`,
    );
  }
  if (direction === 'downgrade' && index > current) {
    throw new MigrationTargetError(
      `${target} is ahead of the current revision ${state.current ?? 'base'}; use upgrade`,
    );
  }
  return index;
}

function indexOf(files: readonly MigrationFile[], revision: string, state: MigrationStatus) {
  return files.indexOf(resolveRevision(files, revision, state.missing));
}
