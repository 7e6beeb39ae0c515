import type {
  ColumnSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
  UniqueSchema,
} from './database-schema.ts';

/**
 * One change that takes a database's schema towards the models'. Every operation carries
 * both sides of the change, so it can be undone (`invertOperation`) without reading the
 * database again: a dropped table or column knows everything needed to bring it back.
 */
export type SchemaOperation =
  | { readonly op: 'createTable'; readonly table: TableSchema }
  | { readonly op: 'dropTable'; readonly table: TableSchema }
  | { readonly op: 'addColumn'; readonly table: string; readonly column: ColumnSchema }
  | { readonly op: 'dropColumn'; readonly table: string; readonly column: ColumnSchema }
  | {
      readonly op: 'alterColumn';
      readonly table: string;
      readonly from: ColumnSchema;
      readonly to: ColumnSchema;
      readonly changes: ColumnChanges;
    }
  | { readonly op: 'addIndex'; readonly table: string; readonly index: IndexSchema }
  | { readonly op: 'dropIndex'; readonly table: string; readonly index: IndexSchema }
  | { readonly op: 'addUnique'; readonly table: string; readonly unique: UniqueSchema }
  | { readonly op: 'dropUnique'; readonly table: string; readonly unique: UniqueSchema }
  | { readonly op: 'addForeignKey'; readonly table: string; readonly foreignKey: ForeignKeySchema }
  | {
      readonly op: 'dropForeignKey';
      readonly table: string;
      readonly foreignKey: ForeignKeySchema;
    }
  | {
      readonly op: 'alterPrimaryKey';
      readonly table: string;
      readonly from: readonly string[];
      readonly to: readonly string[];
    };

/** Which parts of a column an `alterColumn` changes. */
export interface ColumnChanges {
  readonly type: boolean;
  readonly nullable: boolean;
  readonly default: boolean;
}

/** The operation that undoes `operation`. */
export function invertOperation(operation: SchemaOperation): SchemaOperation {
  const o = operation;
  switch (o.op) {
    case 'createTable':
      return { op: 'dropTable', table: o.table };
    case 'dropTable':
      return { op: 'createTable', table: o.table };
    case 'addColumn':
      return { op: 'dropColumn', table: o.table, column: o.column };
    case 'dropColumn':
      return { op: 'addColumn', table: o.table, column: o.column };
    case 'alterColumn':
      return { ...o, from: o.to, to: o.from };
    case 'addIndex':
      return { op: 'dropIndex', table: o.table, index: o.index };
    case 'dropIndex':
      return { op: 'addIndex', table: o.table, index: o.index };
    case 'addUnique':
      return { op: 'dropUnique', table: o.table, unique: o.unique };
    case 'dropUnique':
      return { op: 'addUnique', table: o.table, unique: o.unique };
    case 'addForeignKey':
      return { op: 'dropForeignKey', table: o.table, foreignKey: o.foreignKey };
    case 'dropForeignKey':
      return { op: 'addForeignKey', table: o.table, foreignKey: o.foreignKey };
    case 'alterPrimaryKey':
      return { ...o, from: o.to, to: o.from };
  }
}

/** One line for a person: `alter column payments.confirmations: type integer → bigint`. */
export function describeOperation(o: SchemaOperation): string {
  const list = (columns: readonly string[]) => `(${columns.join(', ')})`;
  switch (o.op) {
    case 'createTable':
      return `add table ${o.table.name}`;
    case 'dropTable':
      return `drop table ${o.table.name}`;
    case 'addColumn':
    case 'dropColumn':
      return `${o.op === 'addColumn' ? 'add' : 'drop'} column ${o.table}.${o.column.name} (${describeColumn(o.column)})`;
    case 'alterColumn': {
      const parts: string[] = [];
      if (o.changes.type) parts.push(`type ${o.from.type} → ${o.to.type}`);
      if (o.changes.nullable) {
        const word = (c: ColumnSchema) => (c.nullable ? 'nullable' : 'not null');
        parts.push(`${word(o.from)} → ${word(o.to)}`);
      }
      if (o.changes.default) {
        const value = (c: ColumnSchema) => c.default?.sql ?? 'none';
        parts.push(`default ${value(o.from)} → ${value(o.to)}`);
      }
      return `alter column ${o.table}.${o.from.name}: ${parts.join('; ')}`;
    }
    case 'addIndex':
    case 'dropIndex':
      return `${o.op === 'addIndex' ? 'add' : 'drop'} ${o.index.unique ? 'unique ' : ''}index ${o.index.name} on ${o.table} ${list(o.index.columns)}`;
    case 'addUnique':
    case 'dropUnique':
      return `${o.op === 'addUnique' ? 'add' : 'drop'} unique constraint ${o.unique.name} on ${o.table} ${list(o.unique.columns)}`;
    case 'addForeignKey':
    case 'dropForeignKey': {
      const fk = o.foreignKey;
      return `${o.op === 'addForeignKey' ? 'add' : 'drop'} foreign key ${fk.name} on ${o.table} ${list(fk.columns)} → ${fk.targetTable} ${list(fk.targetColumns)} on delete ${fk.onDelete} on update ${fk.onUpdate}`;
    }
    case 'alterPrimaryKey':
      return `change the primary key of ${o.table}: ${list(o.from)} → ${list(o.to)}`;
  }
}

function describeColumn(column: ColumnSchema): string {
  const parts = [column.type, column.nullable ? 'nullable' : 'not null'];
  if (column.default) parts.push(`default ${column.default.sql}`);
  return parts.join(', ');
}

/** Type changes that keep every value: the rest may lose data or fail on existing rows. */
const WIDENING = new Set([
  'smallint>integer',
  'smallint>bigint',
  'integer>bigint',
  'integer>numeric(78,0)',
  'bigint>numeric(78,0)',
]);

/** Why an operation can lose data, or undefined when it cannot. */
export function dataLossOf(o: SchemaOperation): string | undefined {
  if (o.op === 'dropTable') return `drops table ${o.table.name} and every row in it`;
  if (o.op === 'dropColumn') return `drops column ${o.table}.${o.column.name} and its values`;
  if (o.op === 'alterColumn' && o.changes.type) {
    const { type: from } = o.from;
    const { type: to } = o.to;
    if (!WIDENING.has(`${from}>${to}`) && to !== 'text') {
      return `narrows ${o.table}.${o.from.name} from ${from} to ${to}: values that do not fit are lost or stop the migration`;
    }
  }
  return undefined;
}

/** Why an operation can fail on a table that has rows, or undefined when it cannot. */
export function rowRiskOf(o: SchemaOperation): string | undefined {
  if (o.op === 'addColumn' && !o.column.nullable && !o.column.default) {
    return `a new NOT NULL column without a default fails on a table with rows: add it nullable, fill it, then make it NOT NULL`;
  }
  if (o.op === 'alterColumn' && o.changes.nullable && !o.to.nullable) {
    return `fails if ${o.table}.${o.from.name} holds NULL: fill those rows first`;
  }
  return undefined;
}
