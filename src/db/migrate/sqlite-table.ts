import { type Kysely, sql } from 'kysely';
import { constraintName } from '../table.ts';
import { BatchAlterError } from './errors.ts';

// biome-ignore lint/suspicious/noExplicitAny: works on any schema
type AnyDb = Kysely<any>;

export interface SqliteColumn {
  readonly name: string;
  /** The declared type as written, lower-case. */
  readonly type: string;
  readonly notNull: boolean;
  /** The default expression as SQL text, as SQLite keeps it. */
  readonly defaultSql: string | null;
}

export interface SqliteTable {
  readonly name: string;
  readonly columns: readonly SqliteColumn[];
  readonly primaryKey: readonly string[];
  readonly uniques: readonly { name: string; columns: readonly string[] }[];
  readonly foreignKeys: readonly {
    name: string;
    columns: readonly string[];
    table: string;
    references: readonly string[];
    onDelete: string;
    onUpdate: string;
  }[];
  /** Indexes made with CREATE INDEX (not those behind constraints). */
  readonly indexes: readonly { name: string; columns: readonly string[]; unique: boolean }[];
}

/**
 * Reads a table's definition from SQLite's pragmas. Constraint names are not kept by the
 * pragmas, so they are read from the CREATE TABLE text where it names them, and otherwise
 * follow the models' naming convention.
 */
export async function readSqliteTable(db: AnyDb, table: string): Promise<SqliteTable> {
  const master = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const createSql = master.rows[0]?.sql;
  if (!createSql) {
    throw new BatchAlterError('MIGRATION_BATCH_UNKNOWN_TABLE', `there is no table ${table}`);
  }
  const pragma = <R>(name: string, arg: string) =>
    sql.raw(`pragma ${name}("${arg.replaceAll('"', '""')}")`).execute(db) as Promise<{ rows: R[] }>;

  const info = await pragma<{
    name: string;
    type: string;
    notnull: number;
    dflt_value: string | null;
    pk: number;
    hidden: number;
  }>('table_xinfo', table);
  const columns = info.rows
    .filter((c) => c.hidden === 0)
    .map((c) => ({
      name: c.name,
      type: c.type.toLowerCase(),
      notNull: c.notnull === 1,
      defaultSql: c.dflt_value,
    }));
  const primaryKey = info.rows
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);

  const named = namedConstraints(createSql);
  const indexList = await pragma<{ name: string; unique: number; origin: string }>(
    'index_list',
    table,
  );
  const uniques: SqliteTable['uniques'][number][] = [];
  const indexes: SqliteTable['indexes'][number][] = [];
  for (const index of indexList.rows) {
    if (index.origin === 'pk') continue;
    const cols = (await pragma<{ name: string; seqno: number }>('index_info', index.name)).rows
      .sort((a, b) => a.seqno - b.seqno)
      .map((c) => c.name);
    if (index.origin === 'u') {
      const name =
        named.uniques.find((u) => sameColumns(u.columns, cols))?.name ??
        constraintName(table, cols, 'key');
      uniques.push({ name, columns: cols });
    } else {
      indexes.push({ name: index.name, columns: cols, unique: index.unique === 1 });
    }
  }

  const fkRows = await pragma<{
    id: number;
    seq: number;
    table: string;
    from: string;
    to: string;
    on_update: string;
    on_delete: string;
  }>('foreign_key_list', table);
  const byId = new Map<number, typeof fkRows.rows>();
  for (const row of fkRows.rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  const foreignKeys = [...byId.values()].map((rows) => {
    const sorted = rows.sort((a, b) => a.seq - b.seq);
    const cols = sorted.map((r) => r.from);
    const first = sorted[0] as (typeof rows)[number];
    return {
      name:
        named.foreignKeys.find((f) => sameColumns(f.columns, cols))?.name ??
        constraintName(table, cols, 'fkey'),
      columns: cols,
      table: first.table,
      references: sorted.map((r) => r.to),
      onDelete: first.on_delete.toLowerCase(),
      onUpdate: first.on_update.toLowerCase(),
    };
  });
  return { name: table, columns, primaryKey, uniques, foreignKeys, indexes };
}

function namedConstraints(createSql: string) {
  const columnsOf = (list: string) =>
    list.split(',').map((c) => c.trim().replace(/^["`[]|["`\]]$/g, ''));
  const uniques = [...createSql.matchAll(/constraint\s+"([^"]+)"\s+unique\s*\(([^)]*)\)/gi)].map(
    (m) => ({ name: m[1] as string, columns: columnsOf(m[2] as string) }),
  );
  const foreignKeys = [
    ...createSql.matchAll(/constraint\s+"([^"]+)"\s+foreign\s+key\s*\(([^)]*)\)/gi),
  ].map((m) => ({ name: m[1] as string, columns: columnsOf(m[2] as string) }));
  return { uniques, foreignKeys };
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
