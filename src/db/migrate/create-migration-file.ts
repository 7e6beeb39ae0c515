import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidMigrationMessageError } from './errors.ts';
import { readMigrationFiles } from './migration-files.ts';

export interface CreateMigrationFileParams {
  readonly dir: string;
  readonly message: string;
  readonly now?: Date;
}

/** Writes a new migration after the current head and returns its path. */
export function createMigrationFile({
  dir,
  message,
  now = new Date(),
}: CreateMigrationFileParams): string {
  const slug = message
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  if (!slug) {
    throw new InvalidMigrationMessageError();
  }
  const head = readMigrationFiles(dir).at(-1)?.revision ?? null;
  const revision = randomBytes(6).toString('hex');
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}`;
  const path = join(dir, `${stamp}-${revision}_${slug}.ts`);
  writeFileSync(path, template(message, head), { flag: 'wx' });
  return path;
}

function template(message: string, downRevision: string | null): string {
  return `import type { Kysely } from 'kysely';

/** ${message.replaceAll('*/', '* /')} */
export const downRevision = ${downRevision === null ? 'null' : `'${downRevision}'`};

// Write the change with db.schema and columnTypes(db) from '../column-sql.ts', and undo it
// exactly in down(); for changes SQLite cannot ALTER, use batchAlterTable (docs/database.md).

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {}
`;
}
