import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS_DIR, readMigrationFiles } from '../src/db/migrate/index.ts';

const SRC_DB = fileURLToPath(new URL('../src/db/', import.meta.url));
const TMP_ROOT = fileURLToPath(new URL('./.tmp/', import.meta.url));

export interface MigrationsDir {
  readonly dir: string;
  /** Adds a migration file (text with `../` imports pointing into src/db). */
  write(fileName: string, text: string): string;
  remove(): void;
}

/**
 * A migrations folder of the test's own: the project's migrations plus whatever the test
 * writes. It sits inside the repository so bare imports ('kysely') resolve, and relative
 * imports are rewritten to point into src/db.
 */
export function makeMigrationsDir(): MigrationsDir {
  mkdirSync(TMP_ROOT, { recursive: true });
  const dir = mkdtempSync(join(TMP_ROOT, 'migrations-'));
  const write = (fileName: string, text: string) => {
    const path = join(dir, fileName);
    writeFileSync(path, text.replaceAll("from '../", `from '${SRC_DB}`));
    return path;
  };
  for (const name of readdirSync(MIGRATIONS_DIR)) {
    write(name, readFileSync(join(MIGRATIONS_DIR, name), 'utf8'));
  }
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The revisions of the project's migrations, base first, so tests follow the real chain
 * instead of assuming how many migrations there are.
 */
export function projectRevisions(): string[] {
  return readMigrationFiles(MIGRATIONS_DIR).map((f) => f.revision);
}

/** The revision of the project's newest migration. */
export function projectHead(): string {
  return projectRevisions().at(-1) ?? '';
}

/** A migration file's text: `up`/`down` bodies run with `db` (Kysely) and `sql` in scope. */
export function migrationText(downRevision: string | null, up: string, down: string): string {
  return `import { sql } from 'kysely';
import { columnTypes } from '../column-sql.ts';
import { batchAlterTable } from '../migrate/batch-alter-table.ts';
import { serverDefault } from '../columns.ts';

export const downRevision = ${downRevision ? `'${downRevision}'` : 'null'};

export async function up(db) {
  const t = columnTypes(db);
  void t, sql, batchAlterTable, serverDefault;
  ${up}
}

export async function down(db) {
  const t = columnTypes(db);
  void t, sql, batchAlterTable, serverDefault;
  ${down}
}
`;
}
