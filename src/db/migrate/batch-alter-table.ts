import { type Kysely, sql } from 'kysely';
import { defaultSqlOf, engineOf, sqlTypeOf } from '../column-sql.ts';
import type { ColumnKind, ReferentialAction, ServerDefault } from '../columns.ts';
import { BatchAlterError } from './errors.ts';
import { readSqliteTable, type SqliteColumn, type SqliteTable } from './sqlite-table.ts';

// biome-ignore lint/suspicious/noExplicitAny: works on any schema
type AnyDb = Kysely<any>;

export interface ColumnOptions {
  readonly nullable?: boolean;
  /** A server default, or null to have none. */
  readonly default?: ServerDefault | null;
}

export interface ColumnChange extends ColumnOptions {
  readonly type?: ColumnKind;
}

export interface ForeignKeyReference {
  readonly table: string;
  readonly columns: readonly string[];
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
}

/** The changes of one batch, recorded in order. */
export interface BatchTableBuilder {
  addColumn(name: string, type: ColumnKind, options?: ColumnOptions): BatchTableBuilder;
  dropColumn(name: string): BatchTableBuilder;
  renameColumn(from: string, to: string): BatchTableBuilder;
  alterColumn(name: string, change: ColumnChange): BatchTableBuilder;
  addUnique(name: string, columns: readonly string[]): BatchTableBuilder;
  dropUnique(name: string): BatchTableBuilder;
  addForeignKey(
    name: string,
    columns: readonly string[],
    references: ForeignKeyReference,
  ): BatchTableBuilder;
  dropForeignKey(name: string): BatchTableBuilder;
}

type Operation =
  | { op: 'add'; name: string; type: ColumnKind; options: ColumnOptions }
  | { op: 'drop'; name: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'alter'; name: string; change: ColumnChange }
  | { op: 'addUnique'; name: string; columns: readonly string[] }
  | {
      op: 'addForeignKey';
      name: string;
      columns: readonly string[];
      references: ForeignKeyReference;
    }
  | { op: 'dropConstraint'; name: string; kind: 'unique' | 'foreign key' };

/**
 * Changes columns in a way both engines can take, as Alembic's batch mode does. PostgreSQL
 * gets plain ALTER TABLE statements. SQLite, which cannot change a column's type, nullability
 * or default in place, gets its documented rebuild: create the new table, copy the rows, drop
 * the old one, rename, recreate its indexes; the migration's transaction then checks foreign
 * keys before it commits. Must run inside a migration (where SQLite foreign keys are off, so
 * a table that others reference can be dropped and recreated).
 */
export async function batchAlterTable(
  db: AnyDb,
  table: string,
  build: (t: BatchTableBuilder) => void,
): Promise<void> {
  const operations: Operation[] = [];
  const builder: BatchTableBuilder = {
    addColumn(name, type, options = {}) {
      operations.push({ op: 'add', name, type, options });
      return builder;
    },
    dropColumn(name) {
      operations.push({ op: 'drop', name });
      return builder;
    },
    renameColumn(from, to) {
      operations.push({ op: 'rename', from, to });
      return builder;
    },
    alterColumn(name, change) {
      operations.push({ op: 'alter', name, change });
      return builder;
    },
    addUnique(name, columns) {
      operations.push({ op: 'addUnique', name, columns });
      return builder;
    },
    dropUnique(name) {
      operations.push({ op: 'dropConstraint', name, kind: 'unique' });
      return builder;
    },
    addForeignKey(name, columns, references) {
      operations.push({ op: 'addForeignKey', name, columns, references });
      return builder;
    },
    dropForeignKey(name) {
      operations.push({ op: 'dropConstraint', name, kind: 'foreign key' });
      return builder;
    },
  };
  build(builder);
  if (operations.length === 0) return;
  if (engineOf(db) === 'postgres') {
    for (const statement of postgresStatements(table, operations)) {
      await sql.raw(statement).execute(db);
    }
    return;
  }
  await rebuildSqliteTable(db, table, operations);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function postgresStatements(table: string, operations: readonly Operation[]): string[] {
  const alter = `alter table ${quote(table)}`;
  const statements: string[] = [];
  for (const o of operations) {
    if (o.op === 'add') {
      const type = sqlTypeOf('postgres', o.type);
      const def = o.options.default
        ? ` default ${defaultSqlOf('postgres', o.options.default)}`
        : '';
      const notNull = o.options.nullable ? '' : ' not null';
      statements.push(`${alter} add column ${quote(o.name)} ${type}${def}${notNull}`);
    } else if (o.op === 'drop') {
      statements.push(`${alter} drop column ${quote(o.name)}`);
    } else if (o.op === 'rename') {
      statements.push(`${alter} rename column ${quote(o.from)} to ${quote(o.to)}`);
    } else if (o.op === 'addUnique') {
      statements.push(`${alter} add ${uniqueSql(o.name, o.columns)}`);
    } else if (o.op === 'addForeignKey') {
      statements.push(`${alter} add ${foreignKeySql(o.name, o.columns, o.references)}`);
    } else if (o.op === 'dropConstraint') {
      statements.push(`${alter} drop constraint ${quote(o.name)}`);
    } else {
      const column = `${alter} alter column ${quote(o.name)}`;
      const { type, nullable, default: def } = o.change;
      if (type) {
        const sqlType = sqlTypeOf('postgres', type);
        statements.push(`${column} type ${sqlType} using ${quote(o.name)}::${sqlType}`);
      }
      if (nullable !== undefined)
        statements.push(`${column} ${nullable ? 'drop' : 'set'} not null`);
      if (def === null) statements.push(`${column} drop default`);
      else if (def) statements.push(`${column} set default ${defaultSqlOf('postgres', def)}`);
    }
  }
  return statements;
}

async function rebuildSqliteTable(
  db: AnyDb,
  table: string,
  operations: readonly Operation[],
): Promise<void> {
  const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  if (rows[0]?.foreign_keys) {
    throw new BatchAlterError(
      'MIGRATION_BATCH_OUTSIDE_MIGRATION',
      `batchAlterTable(${table}) must run inside a migration, where SQLite foreign keys are off`,
    );
  }
  const current = await readSqliteTable(db, table);
  const next = applyOperations(current, operations);
  const temporary = `_ctrip_new_${table}`;

  await sql.raw(createTableSql(temporary, next)).execute(db);
  const copied = next.columns.filter((c) => c.copiedFrom !== undefined);
  await sql
    .raw(
      `insert into ${quote(temporary)} (${copied.map((c) => quote(c.name)).join(', ')}) ` +
        `select ${copied.map((c) => quote(c.copiedFrom as string)).join(', ')} from ${quote(table)}`,
    )
    .execute(db);
  await sql.raw(`drop table ${quote(table)}`).execute(db);
  await sql.raw(`alter table ${quote(temporary)} rename to ${quote(table)}`).execute(db);
  for (const index of next.indexes) {
    const unique = index.unique ? 'unique ' : '';
    await sql
      .raw(
        `create ${unique}index ${quote(index.name)} on ${quote(table)} (${index.columns.map(quote).join(', ')})`,
      )
      .execute(db);
  }
}

interface NextColumn extends SqliteColumn {
  /** The old column the rows are copied from; undefined for a new column. */
  readonly copiedFrom: string | undefined;
}

interface NextTable extends Omit<SqliteTable, 'columns'> {
  readonly columns: NextColumn[];
}

function applyOperations(table: SqliteTable, operations: readonly Operation[]): NextTable {
  let columns: NextColumn[] = table.columns.map((c) => ({ ...c, copiedFrom: c.name }));
  let { primaryKey, uniques, foreignKeys, indexes } = table;
  const find = (name: string) => {
    const column = columns.find((c) => c.name === name);
    if (!column) {
      throw new BatchAlterError(
        'MIGRATION_BATCH_UNKNOWN_COLUMN',
        `${table.name} has no column ${name}`,
      );
    }
    return column;
  };
  const renameIn = (list: readonly string[], from: string, to: string) =>
    list.map((n) => (n === from ? to : n));
  for (const o of operations) {
    if (o.op === 'add') {
      columns.push({
        name: o.name,
        type: sqlTypeOf('sqlite', o.type),
        notNull: !o.options.nullable,
        defaultSql: o.options.default ? sqliteDefault(o.options.default) : null,
        copiedFrom: undefined,
      });
    } else if (o.op === 'drop') {
      find(o.name);
      columns = columns.filter((c) => c.name !== o.name);
      const keeps = (cols: readonly string[]) => !cols.includes(o.name);
      uniques = uniques.filter((u) => keeps(u.columns));
      indexes = indexes.filter((i) => keeps(i.columns));
      foreignKeys = foreignKeys.filter((f) => keeps(f.columns));
      primaryKey = primaryKey.filter((n) => n !== o.name);
    } else if (o.op === 'rename') {
      const column = find(o.from);
      columns = columns.map((c) => (c === column ? { ...c, name: o.to } : c));
      primaryKey = renameIn(primaryKey, o.from, o.to);
      uniques = uniques.map((u) => ({ ...u, columns: renameIn(u.columns, o.from, o.to) }));
      indexes = indexes.map((i) => ({ ...i, columns: renameIn(i.columns, o.from, o.to) }));
      foreignKeys = foreignKeys.map((f) => ({ ...f, columns: renameIn(f.columns, o.from, o.to) }));
    } else if (o.op === 'addUnique') {
      uniques = [...uniques, { name: o.name, columns: o.columns }];
    } else if (o.op === 'addForeignKey') {
      const { table: target, columns: references, onDelete, onUpdate } = o.references;
      foreignKeys = [
        ...foreignKeys,
        {
          name: o.name,
          columns: o.columns,
          table: target,
          references,
          onDelete: onDelete ?? 'no action',
          onUpdate: onUpdate ?? 'no action',
        },
      ];
    } else if (o.op === 'dropConstraint') {
      const list = o.kind === 'unique' ? uniques : foreignKeys;
      if (!list.some((c) => c.name === o.name)) {
        throw new BatchAlterError(
          'MIGRATION_BATCH_UNKNOWN_CONSTRAINT',
          `${table.name} has no ${o.kind} constraint ${o.name}`,
        );
      }
      if (o.kind === 'unique') uniques = uniques.filter((u) => u.name !== o.name);
      else foreignKeys = foreignKeys.filter((f) => f.name !== o.name);
    } else {
      const column = find(o.name);
      const { type, nullable, default: def } = o.change;
      columns = columns.map((c) =>
        c === column
          ? {
              ...c,
              type: type ? sqlTypeOf('sqlite', type) : c.type,
              notNull: nullable === undefined ? c.notNull : !nullable,
              defaultSql:
                def === undefined
                  ? c.defaultSql
                  : def === null
                    ? null
                    : defaultSqlOf('sqlite', def),
            }
          : c,
      );
    }
  }
  return { name: table.name, columns, primaryKey, uniques, foreignKeys, indexes };
}

/** A default as SQLite reports it in table_info: without one outer pair of parentheses. */
function sqliteDefault(value: ServerDefault): string {
  const text = defaultSqlOf('sqlite', value);
  return text.startsWith('(') && text.endsWith(')') ? text.slice(1, -1) : text;
}

function createTableSql(name: string, table: NextTable): string {
  const parts = table.columns.map((c) => {
    // Parenthesized, any default expression is valid; SQLite keeps it without the parens.
    const def = c.defaultSql === null ? '' : ` default (${c.defaultSql})`;
    return `${quote(c.name)} ${c.type}${c.notNull ? ' not null' : ''}${def}`;
  });
  if (table.primaryKey.length > 0) {
    parts.push(`primary key (${table.primaryKey.map(quote).join(', ')})`);
  }
  for (const u of table.uniques) parts.push(uniqueSql(u.name, u.columns));
  for (const f of table.foreignKeys) {
    parts.push(
      foreignKeySql(f.name, f.columns, {
        table: f.table,
        columns: f.references,
        onDelete: f.onDelete as ReferentialAction,
        onUpdate: f.onUpdate as ReferentialAction,
      }),
    );
  }
  return `create table ${quote(name)} (${parts.join(', ')})`;
}

function uniqueSql(name: string, columns: readonly string[]): string {
  return `constraint ${quote(name)} unique (${columns.map(quote).join(', ')})`;
}

function foreignKeySql(name: string, columns: readonly string[], to: ForeignKeyReference): string {
  return (
    `constraint ${quote(name)} foreign key (${columns.map(quote).join(', ')}) ` +
    `references ${quote(to.table)} (${to.columns.map(quote).join(', ')}) ` +
    `on delete ${to.onDelete ?? 'no action'} on update ${to.onUpdate ?? 'no action'}`
  );
}
