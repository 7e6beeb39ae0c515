import type { ColumnSchema, DefaultSchema, TableSchema } from './database-schema.ts';
import { SchemaUnsupportedChangeError } from './errors.ts';
import { describeOperation, type SchemaOperation } from './schema-operation.ts';

/**
 * TypeScript for single operations, written against the Kysely schema builder, `columnTypes`
 * (as `t`) and `batchAlterTable`, so one generated migration runs on both engines. Types and
 * defaults are spelled out (`t.uint256`, `t.literal('pending')`): a migration never imports
 * the models, which will have changed by the time it runs again.
 */

/** A string as a single-quoted TypeScript literal. */
export function quoteJs(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

const list = (items: readonly string[]) => `[${items.map(quoteJs).join(', ')}]`;

function literalJs(value: string | number | boolean): string {
  return typeof value === 'string' ? quoteJs(value) : String(value);
}

function typeJs(column: ColumnSchema): string {
  return column.kind ? `t.${column.kind}` : `sql.raw(${quoteJs(column.type)})`;
}

function defaultJs(value: DefaultSchema): string {
  if (value.value?.kind === 'now') return 't.now';
  if (value.value) return `t.literal(${literalJs(value.value.value)})`;
  return `sql.raw(${quoteJs(value.sql)})`;
}

/** The `(c) => …` of addColumn, or nothing when the column takes no options. */
function columnOptionsJs(column: ColumnSchema, primaryKey: boolean): string {
  const calls: string[] = [];
  // A primary key column's NOT NULL is left to the engine, as the differ does.
  if (primaryKey) calls.push('primaryKey()');
  else if (!column.nullable) calls.push('notNull()');
  if (column.default) calls.push(`defaultTo(${defaultJs(column.default)})`);
  return calls.length > 0 ? `, (c) => c.${calls.join('.')}` : '';
}

function addColumnJs(column: ColumnSchema, primaryKey = false): string {
  return `.addColumn(${quoteJs(column.name)}, ${typeJs(column)}${columnOptionsJs(column, primaryKey)})`;
}

export function createTableJs(table: TableSchema): string[] {
  const single = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
  const lines = ['await db.schema', `  .createTable(${quoteJs(table.name)})`];
  for (const column of table.columns) {
    lines.push(`  ${addColumnJs(column, column.name === single)}`);
  }
  if (table.primaryKey.length > 1) {
    lines.push(
      `  .addPrimaryKeyConstraint(${quoteJs(`${table.name}_pkey`)}, ${list(table.primaryKey)})`,
    );
  }
  for (const unique of table.uniques) {
    lines.push(`  .addUniqueConstraint(${quoteJs(unique.name)}, ${list(unique.columns)})`);
  }
  for (const fk of table.foreignKeys) {
    const actions = [
      fk.onDelete === 'no action' ? '' : `.onDelete(${quoteJs(fk.onDelete)})`,
      fk.onUpdate === 'no action' ? '' : `.onUpdate(${quoteJs(fk.onUpdate)})`,
    ].join('');
    lines.push(
      `  .addForeignKeyConstraint(${quoteJs(fk.name)}, ${list(fk.columns)}, ${quoteJs(fk.targetTable)}, ${list(fk.targetColumns)}${actions ? `, (fk) => fk${actions}` : ''})`,
    );
  }
  lines.push('  .execute();');
  for (const index of table.indexes) lines.push(...createIndexJs(table.name, index));
  return lines;
}

export function createIndexJs(
  table: string,
  index: { name: string; columns: readonly string[]; unique: boolean },
): string[] {
  return [
    'await db.schema',
    `  .createIndex(${quoteJs(index.name)})`,
    ...(index.unique ? ['  .unique()'] : []),
    `  .on(${quoteJs(table)})`,
    `  .columns(${list(index.columns)})`,
    '  .execute();',
  ];
}

/** Operations SQLite's own ALTER TABLE can do, written without a table rebuild. */
export function isPlainAlter(o: SchemaOperation): boolean {
  if (o.op === 'dropColumn') return true;
  // SQLite adds a NOT NULL column only with a default, and only a constant one.
  return (
    o.op === 'addColumn' &&
    (o.column.nullable || (o.column.default !== null && o.column.default.value?.kind === 'literal'))
  );
}

export function plainAlterJs(table: string, o: SchemaOperation): string[] {
  const alter = `await db.schema.alterTable(${quoteJs(table)})`;
  if (o.op === 'addColumn') return [`${alter}`, `  ${addColumnJs(o.column)}`, '  .execute();'];
  if (o.op === 'dropColumn') return [`${alter}.dropColumn(${quoteJs(o.column.name)}).execute();`];
  throw new Error(`not a plain alter: ${o.op}`);
}

/** One chained call of a `batchAlterTable` builder. */
export function batchCallJs(o: SchemaOperation): string {
  switch (o.op) {
    case 'addColumn':
      return `.addColumn(${quoteJs(o.column.name)}, ${quoteJs(kindOf(o, o.column))}, ${batchOptionsJs(o, { nullable: o.column.nullable, default: o.column.default })})`;
    case 'dropColumn':
      return `.dropColumn(${quoteJs(o.column.name)})`;
    case 'alterColumn': {
      const change: Partial<Record<'type' | 'nullable' | 'default', string>> = {};
      if (o.changes.type) change.type = quoteJs(kindOf(o, o.to));
      if (o.changes.nullable) change.nullable = String(o.to.nullable);
      if (o.changes.default) change.default = batchDefaultJs(o, o.to.default);
      const fields = Object.entries(change).map(([k, v]) => `${k}: ${v}`);
      return `.alterColumn(${quoteJs(o.from.name)}, { ${fields.join(', ')} })`;
    }
    case 'addUnique':
      return `.addUnique(${quoteJs(o.unique.name)}, ${list(o.unique.columns)})`;
    case 'dropUnique':
      return `.dropUnique(${quoteJs(o.unique.name)})`;
    case 'addForeignKey': {
      const fk = o.foreignKey;
      if (fk.onDelete === 'set default' || fk.onUpdate === 'set default') {
        throw new SchemaUnsupportedChangeError(describeOperation(o), "'set default' actions");
      }
      const actions = [
        fk.onDelete === 'no action' ? '' : `, onDelete: ${quoteJs(fk.onDelete)}`,
        fk.onUpdate === 'no action' ? '' : `, onUpdate: ${quoteJs(fk.onUpdate)}`,
      ].join('');
      return `.addForeignKey(${quoteJs(fk.name)}, ${list(fk.columns)}, { table: ${quoteJs(fk.targetTable)}, columns: ${list(fk.targetColumns)}${actions} })`;
    }
    case 'dropForeignKey':
      return `.dropForeignKey(${quoteJs(o.foreignKey.name)})`;
    default:
      throw new Error(`not a batch operation: ${o.op}`);
  }
}

function kindOf(o: SchemaOperation, column: ColumnSchema): string {
  if (!column.kind) {
    throw new SchemaUnsupportedChangeError(
      describeOperation(o),
      `no column kind has the type ${column.type}`,
    );
  }
  return column.kind;
}

function batchOptionsJs(
  o: SchemaOperation,
  options: { nullable: boolean; default: DefaultSchema | null },
): string {
  const fields = [`nullable: ${options.nullable}`];
  if (options.default) fields.push(`default: ${batchDefaultJs(o, options.default)}`);
  return `{ ${fields.join(', ')} }`;
}

function batchDefaultJs(o: SchemaOperation, value: DefaultSchema | null): string {
  if (value === null) return 'null';
  if (value.value?.kind === 'now') return 'serverDefault.now';
  if (value.value) return `serverDefault.literal(${literalJs(value.value.value)})`;
  throw new SchemaUnsupportedChangeError(
    describeOperation(o),
    `the default ${value.sql} is not one a model can declare`,
  );
}
