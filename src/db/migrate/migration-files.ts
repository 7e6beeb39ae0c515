import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import {
  AmbiguousRevisionError,
  InvalidMigrationFileError,
  MigrationChainError,
  MigrationFileMissingError,
  UnknownRevisionError,
} from './errors.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against any schema
export type MigrationFn = (db: Kysely<any>) => Promise<void>;

/** One migration file, read and checked but not yet imported. */
export interface MigrationFile {
  readonly revision: string;
  readonly downRevision: string | null;
  /** The slug of the file name, as words: `create payments`. */
  readonly message: string;
  readonly fileName: string;
  readonly path: string;
  /** sha256 of the file's text with line endings normalized. */
  readonly checksum: string;
  /** Imports the module; done only for the migrations a command runs. */
  load(): Promise<{ up: MigrationFn; down: MigrationFn }>;
}

/** `YYYY_MM_DD_HHMM-<rev>_<slug>.ts`, rev being 12 hex digits. */
export const MIGRATION_FILE_PATTERN =
  /^(\d{4})_(\d{2})_(\d{2})_(\d{4})-([0-9a-f]{12})_([a-z0-9_]+)\.(ts|mts|js|mjs)$/;
const DOWN_REVISION_PATTERN =
  /^export\s+const\s+downRevision\s*(?::[^=]+)?=\s*(null|'([0-9a-f]{12})'|"([0-9a-f]{12})")/m;

export function checksumOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * Reads a migrations folder and orders it from base to head by each file's `downRevision`,
 * as Alembic does: two files claiming the same parent (two branches merged without a rebase)
 * or a parent that does not exist stop here with a clear message rather than run in an
 * arbitrary order.
 */
export function readMigrationFiles(dir: string): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.') && !n.endsWith('.d.ts'));
  } catch (error) {
    throw new MigrationChainError(
      `cannot read the migrations folder ${dir}: ${(error as Error).message}`,
    );
  }
  const files: MigrationFile[] = [];
  for (const fileName of names.sort()) {
    if (/\.test\.|\.md$/.test(fileName)) continue;
    const match = MIGRATION_FILE_PATTERN.exec(fileName);
    if (!match) {
      if (/\.(ts|mts|js|mjs)$/.test(fileName)) {
        throw new InvalidMigrationFileError(
          fileName,
          'is not named YYYY_MM_DD_HHMM-<12 hex digit revision>_<slug>.ts',
        );
      }
      continue;
    }
    const path = join(dir, fileName);
    const text = readFileSync(path, 'utf8');
    const down = DOWN_REVISION_PATTERN.exec(text);
    if (!down) {
      throw new InvalidMigrationFileError(
        fileName,
        'must export `downRevision` (the previous revision as a string literal, or null for the first)',
      );
    }
    files.push({
      revision: match[5] as string,
      downRevision: down[2] ?? down[3] ?? null,
      message: (match[6] as string).replaceAll('_', ' '),
      fileName,
      path,
      checksum: checksumOf(text),
      load: () => importMigration(path, fileName),
    });
  }
  return orderChain(files);
}

async function importMigration(path: string, fileName: string) {
  const module = await importSource(path);
  if (typeof module.up !== 'function' || typeof module.down !== 'function') {
    throw new InvalidMigrationFileError(
      fileName,
      'must export async functions up(db) and down(db)',
    );
  }
  return { up: module.up as MigrationFn, down: module.down as MigrationFn };
}

/**
 * Imports a migration. Under tsx or vitest, and on Node versions that strip types, a `.ts`
 * file imports natively; when cTrip runs from its compiled build on plain Node, tsx loads
 * just the migration (and what it imports) without a global loader.
 */
async function importSource(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

/**
 * The file a revision names: `head`, a full revision, or a unique prefix of at least four
 * characters. `missing` are revisions the database has applied without a file, for the message.
 */
export function resolveRevision(
  files: readonly MigrationFile[],
  revision: string,
  missing: readonly string[] = [],
): MigrationFile {
  if (revision === 'head' && files.length > 0) return files[files.length - 1] as MigrationFile;
  const matches = revision.length >= 4 ? files.filter((f) => f.revision.startsWith(revision)) : [];
  if (matches.length === 1) return matches[0] as MigrationFile;
  if (matches.length > 1) {
    throw new AmbiguousRevisionError(
      revision,
      matches.map((f) => f.revision),
    );
  }
  if (missing.includes(revision)) throw new MigrationFileMissingError([revision]);
  throw new UnknownRevisionError(
    revision,
    files.map((f) => f.revision),
  );
}

function orderChain(files: MigrationFile[]): MigrationFile[] {
  if (files.length === 0) return [];
  const byRevision = new Map<string, MigrationFile>();
  const byParent = new Map<string | null, MigrationFile[]>();
  for (const file of files) {
    const twin = byRevision.get(file.revision);
    if (twin) {
      throw new MigrationChainError(
        `revision ${file.revision} is used by both ${twin.fileName} and ${file.fileName}`,
      );
    }
    byRevision.set(file.revision, file);
    byParent.set(file.downRevision, [...(byParent.get(file.downRevision) ?? []), file]);
  }
  for (const file of files) {
    if (file.downRevision !== null && !byRevision.has(file.downRevision)) {
      throw new MigrationChainError(
        `${file.fileName} follows revision ${file.downRevision}, which no file has`,
      );
    }
  }
  for (const [parent, children] of byParent) {
    if (children.length > 1) {
      throw new MigrationChainError(
        `${children.map((c) => c.fileName).join(' and ')} both follow ${parent ?? 'base'}: the history has branched; set one file's downRevision to the other's revision`,
      );
    }
  }
  const ordered: MigrationFile[] = [];
  let next = byParent.get(null)?.[0];
  while (next) {
    ordered.push(next);
    next = byParent.get(next.revision)?.[0];
  }
  if (ordered.length !== files.length) {
    throw new MigrationChainError(
      'the migration files have no first migration (downRevision null) or form a loop; check their downRevision',
    );
  }
  return ordered;
}
