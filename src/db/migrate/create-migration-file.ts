import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidMigrationMessageError } from './errors.ts';
import { readMigrationFiles } from './migration-files.ts';

export interface CreateMigrationFileParams {
  readonly dir: string;
  readonly message: string;
  readonly now?: Date;
  /** What `up` and `down` do (autogenerate); empty functions and a hint otherwise. */
  readonly body?: MigrationBody;
}

/** The generated part of a migration: imports, notes for the reader, and both function bodies. */
export interface MigrationBody {
  readonly imports: string;
  /** Comment lines under the message, without `//`. */
  readonly notes: readonly string[];
  /** Statements, already indented for a function body. */
  readonly up: string;
  readonly down: string;
}

/** Writes a new migration after the current head and returns its path. */
export function createMigrationFile({
  dir,
  message,
  now = new Date(),
  body,
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
  writeFileSync(path, template(message, head, body ?? EMPTY_BODY), { flag: 'wx' });
  return path;
}

const EMPTY_BODY: MigrationBody = {
  imports: "import type { Kysely } from 'kysely';",
  notes: [
    "Write the change with db.schema and columnTypes(db) from '../column-sql.ts', and undo it",
    'exactly in down(); for changes SQLite cannot ALTER, use batchAlterTable (docs/database.md).',
  ],
  up: '',
  down: '',
};

function template(message: string, downRevision: string | null, body: MigrationBody): string {
  const notes = body.notes.length > 0 ? `\n${body.notes.map((n) => `// ${n}`).join('\n')}\n` : '';
  const block = (statements: string) => (statements ? `{\n${statements}\n}` : '{}');
  return `${body.imports}

/** ${message.replaceAll('*/', '* /')} */
export const downRevision = ${downRevision === null ? 'null' : `'${downRevision}'`};
${notes}
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> ${block(body.up)}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> ${block(body.down)}
`;
}
