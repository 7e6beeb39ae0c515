import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColumnSchema } from './database-schema.ts';
import { SchemaUnsupportedChangeError } from './errors.ts';
import {
  batchCallJs,
  createIndexJs,
  createTableJs,
  isPlainAlter,
  plainAlterJs,
  quoteJs,
} from './render-statements.ts';
import {
  dataLossOf,
  describeOperation,
  invertOperation,
  rowRiskOf,
  type SchemaOperation,
} from './schema-operation.ts';

/** What goes into a migration file besides its name, revision and message. */
export interface RenderedMigration {
  /** The import lines. */
  readonly imports: string;
  /** Comment lines for the top of the file (without `//`). */
  readonly notes: readonly string[];
  /** The statements of `up` and `down`, indented for a function body. */
  readonly up: string;
  readonly down: string;
  /** What a person should read before applying it: data loss, guesses. */
  readonly warnings: readonly string[];
}

/** src/db, where a migration's imports point, whether cTrip runs from src/ or dist/. */
const SRC_DB = fileURLToPath(new URL('../../../src/db/', import.meta.url));

const BATCH_OPERATIONS = new Set<SchemaOperation['op']>([
  'addColumn',
  'dropColumn',
  'alterColumn',
  'addUnique',
  'dropUnique',
  'addForeignKey',
  'dropForeignKey',
]);

/**
 * Writes `operations` (from `diffSchema`) as the bodies of a migration in `dir`: `up` runs
 * them in order, `down` runs their inverses backwards. Consecutive column and constraint
 * changes of one table go into one `batchAlterTable` (one SQLite rebuild), unless SQLite's
 * ALTER TABLE can do them all. Operations that lose data are marked with a WARNING comment.
 */
export function renderMigration(
  operations: readonly SchemaOperation[],
  dir: string,
): RenderedMigration {
  for (const o of operations) {
    if (o.op === 'alterPrimaryKey') {
      throw new SchemaUnsupportedChangeError(describeOperation(o), 'primary keys are not altered');
    }
  }
  const down = [...operations].reverse().map(invertOperation);
  const upLines = renderBody(operations);
  const downLines = renderBody(down);
  const text = [...upLines, ...downLines].join('\n');

  const warnings: string[] = [];
  for (const o of operations) {
    const loss = dataLossOf(o);
    if (loss) warnings.push(`${describeOperation(o)}: ${loss}`);
    const risk = rowRiskOf(o);
    if (risk) warnings.push(`${describeOperation(o)}: ${risk}`);
  }
  const guessed = guessedColumns([...operations, ...down]);
  const notes: string[] = [];
  if (guessed.length > 0) {
    const note = `column kinds read back from SQLite types, where several kinds look alike: ${guessed.join(', ')}; check them against the models of the previous revision`;
    notes.push(`Review: ${note}.`);
    warnings.push(note);
  }
  return {
    imports: importsFor(text, dir),
    notes,
    up: withTypes(upLines),
    down: withTypes(downLines),
    warnings,
  };
}

function renderBody(operations: readonly SchemaOperation[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < operations.length; ) {
    const first = operations[i] as SchemaOperation;
    if (!BATCH_OPERATIONS.has(first.op) || !('table' in first) || typeof first.table !== 'string') {
      lines.push(...commentsFor(first), ...statementFor(first));
      i++;
      continue;
    }
    const table = first.table;
    const group: SchemaOperation[] = [];
    while (i < operations.length) {
      const next = operations[i] as SchemaOperation;
      if (!BATCH_OPERATIONS.has(next.op) || !('table' in next) || next.table !== table) break;
      group.push(next);
      i++;
    }
    lines.push(...groupJs(table, group));
  }
  return lines;
}

function groupJs(table: string, group: readonly SchemaOperation[]): string[] {
  if (group.every(isPlainAlter)) {
    return group.flatMap((o) => [...commentsFor(o), ...plainAlterJs(table, o)]);
  }
  const lines = [`await batchAlterTable(db, ${quoteJs(table)}, (b) =>`, '  b'];
  for (const o of group) {
    lines.push(...commentsFor(o).map((c) => `    ${c}`), `    ${batchCallJs(o)}`);
  }
  // The last call closes the chain; the callback returns the builder.
  lines.push(');');
  lines[lines.length - 2] += ',';
  return lines;
}

function statementFor(o: SchemaOperation): string[] {
  switch (o.op) {
    case 'createTable':
      return createTableJs(o.table);
    case 'dropTable':
      return [`await db.schema.dropTable(${quoteJs(o.table.name)}).execute();`];
    case 'addIndex':
      return createIndexJs(o.table, o.index);
    case 'dropIndex':
      return [`await db.schema.dropIndex(${quoteJs(o.index.name)}).execute();`];
    default:
      throw new Error(`not a statement of its own: ${o.op}`);
  }
}

function commentsFor(o: SchemaOperation): string[] {
  const loss = dataLossOf(o);
  const risk = rowRiskOf(o);
  return [...(loss ? [`// WARNING: ${loss}.`] : []), ...(risk ? [`// Review: ${risk}.`] : [])];
}

/** `const t = columnTypes(db);` first when the body writes a type or default with it. */
function withTypes(lines: readonly string[]): string {
  const body = lines.some((l) => /\bt\.[a-z]/.test(l))
    ? ['const t = columnTypes(db);', '', ...lines]
    : lines;
  return body.map((l) => (l ? `  ${l}` : '')).join('\n');
}

function importsFor(text: string, dir: string): string {
  const prefix = relative(dir, SRC_DB).split(sep).join('/') || '.';
  const from = (file: string) => quoteJs(`${prefix}/${file}`);
  const uses = (pattern: RegExp) => pattern.test(text);
  return [
    uses(/\bsql\.raw\(/)
      ? "import { type Kysely, sql } from 'kysely';"
      : "import type { Kysely } from 'kysely';",
    uses(/\bt\.[a-z]/) ? `import { columnTypes } from ${from('column-sql.ts')};` : '',
    uses(/\bserverDefault\./) ? `import { serverDefault } from ${from('columns.ts')};` : '',
    uses(/\bbatchAlterTable\(/)
      ? `import { batchAlterTable } from ${from('migrate/batch-alter-table.ts')};`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Columns written with a kind read back from an engine type that several kinds share. */
function guessedColumns(operations: readonly SchemaOperation[]): string[] {
  const names = new Set<string>();
  const note = (table: string, column: ColumnSchema) => {
    if (column.kindGuessed) names.add(`${table}.${column.name} (${column.kind})`);
  };
  for (const o of operations) {
    if (o.op === 'createTable') for (const c of o.table.columns) note(o.table.name, c);
    if (o.op === 'addColumn') note(o.table, o.column);
    if (o.op === 'alterColumn' && o.changes.type) note(o.table, o.to);
  }
  return [...names];
}
