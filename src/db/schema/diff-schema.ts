import type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
} from './database-schema.ts';
import { sameDefault } from './normalize-sql.ts';
import type { SchemaOperation } from './schema-operation.ts';

/**
 * The operations that take `actual` (the database) to `expected` (the models), in an order
 * both engines can run: new tables; foreign keys and indexes that go away; column and unique
 * changes per table; new indexes; new foreign keys (whose targets now exist); dropped tables,
 * those that refer to others first. Read backwards and inverted, the list undoes itself in
 * the same order of stages, which is what a migration's `down` runs.
 *
 * Constraints and indexes are matched by name, then by definition, so a name SQLite cannot
 * keep (an unnamed inline constraint) is no difference. Nullability of primary key columns is
 * not compared: SQLite allows NULL in a primary key unless told otherwise.
 */
export function diffSchema(expected: DatabaseSchema, actual: DatabaseSchema): SchemaOperation[] {
  const actualByName = new Map(actual.tables.map((t) => [t.name, t]));
  const expectedNames = new Set(expected.tables.map((t) => t.name));
  const created = expected.tables.filter((t) => !actualByName.has(t.name));
  const dropped = actual.tables.filter((t) => !expectedNames.has(t.name));
  const kept = expected.tables.flatMap((t) => {
    const before = actualByName.get(t.name);
    return before ? [{ before, after: t }] : [];
  });

  const stages: SchemaOperation[][] = [[], [], [], [], [], [], []];
  const [creates, dropKeys, dropIndexes, columns, addIndexes, addKeys, drops] = stages as [
    SchemaOperation[],
    SchemaOperation[],
    SchemaOperation[],
    SchemaOperation[],
    SchemaOperation[],
    SchemaOperation[],
    SchemaOperation[],
  ];
  for (const table of orderByReferences(created)) creates.push({ op: 'createTable', table });
  for (const table of orderByReferences(dropped).reverse()) drops.push({ op: 'dropTable', table });

  for (const { before, after } of kept) {
    const table = after.name;
    const keys = matchByName(before.foreignKeys, after.foreignKeys, sameForeignKey);
    for (const foreignKey of keys.removed)
      dropKeys.push({ op: 'dropForeignKey', table, foreignKey });
    for (const foreignKey of keys.added) addKeys.push({ op: 'addForeignKey', table, foreignKey });

    const indexes = matchByName(before.indexes, after.indexes, sameIndex);
    for (const index of indexes.removed) dropIndexes.push({ op: 'dropIndex', table, index });
    for (const index of indexes.added) addIndexes.push({ op: 'addIndex', table, index });

    const uniques = matchByName(before.uniques, after.uniques, sameColumns);
    for (const unique of uniques.removed) columns.push({ op: 'dropUnique', table, unique });
    columns.push(...diffColumns(before, after));
    for (const unique of uniques.added) columns.push({ op: 'addUnique', table, unique });
  }
  return stages.flat();
}

function diffColumns(before: TableSchema, after: TableSchema): SchemaOperation[] {
  const table = after.name;
  const old = new Map(before.columns.map((c) => [c.name, c]));
  const next = new Set(after.columns.map((c) => c.name));
  const keyColumns = new Set([...before.primaryKey, ...after.primaryKey]);
  const adds: SchemaOperation[] = [];
  const alters: SchemaOperation[] = [];
  for (const column of after.columns) {
    const from = old.get(column.name);
    if (!from) {
      adds.push({ op: 'addColumn', table, column });
      continue;
    }
    const changes = {
      type: from.type !== column.type,
      nullable: !keyColumns.has(column.name) && from.nullable !== column.nullable,
      default: !sameDefault(from.default, column.default),
    };
    if (changes.type || changes.nullable || changes.default) {
      alters.push({
        op: 'alterColumn',
        table,
        from,
        to: keepKeyNullability(column, from, keyColumns),
        changes,
      });
    }
  }
  const drops: SchemaOperation[] = before.columns
    .filter((c) => !next.has(c.name))
    .map((column) => ({ op: 'dropColumn', table, column }));
  const primaryKey: SchemaOperation[] = sameColumns(
    { columns: before.primaryKey },
    { columns: after.primaryKey },
  )
    ? []
    : [{ op: 'alterPrimaryKey', table, from: before.primaryKey, to: after.primaryKey }];
  return [...primaryKey, ...adds, ...alters, ...drops];
}

/** A primary key column's nullability is the engine's business: keep what the database has. */
function keepKeyNullability(
  column: ColumnSchema,
  from: ColumnSchema,
  keyColumns: ReadonlySet<string>,
): ColumnSchema {
  return keyColumns.has(column.name) ? { ...column, nullable: from.nullable } : column;
}

function matchByName<T extends { readonly name: string }>(
  before: readonly T[],
  after: readonly T[],
  same: (a: T, b: T) => boolean,
): { removed: T[]; added: T[] } {
  const removed: T[] = [];
  const added: T[] = [];
  const afterByName = new Map(after.map((x) => [x.name, x]));
  const beforeNames = new Set(before.map((x) => x.name));
  for (const item of before) {
    const twin = afterByName.get(item.name);
    if (!twin) removed.push(item);
    else if (!same(item, twin)) {
      removed.push(item);
      added.push(twin);
    }
  }
  added.push(...after.filter((x) => !beforeNames.has(x.name)));
  // Left over on both sides with the same definition: only the name differs.
  const unmatched = removed.filter((r) => !afterByName.has(r.name));
  for (const item of unmatched) {
    const twin = added.find((a) => !beforeNames.has(a.name) && same(item, a));
    if (twin) {
      removed.splice(removed.indexOf(item), 1);
      added.splice(added.indexOf(twin), 1);
    }
  }
  return { removed, added };
}

function sameColumns(a: { readonly columns: readonly string[] }, b: typeof a): boolean {
  return a.columns.length === b.columns.length && a.columns.every((c, i) => c === b.columns[i]);
}

function sameIndex(a: IndexSchema, b: IndexSchema): boolean {
  return a.unique === b.unique && sameColumns(a, b);
}

function sameForeignKey(a: ForeignKeySchema, b: ForeignKeySchema): boolean {
  return (
    sameColumns(a, b) &&
    a.targetTable === b.targetTable &&
    sameColumns({ columns: a.targetColumns }, { columns: b.targetColumns }) &&
    a.onDelete === b.onDelete &&
    a.onUpdate === b.onUpdate
  );
}

/** Tables that others refer to come first; otherwise the given order stays. */
function orderByReferences(tables: readonly TableSchema[]): TableSchema[] {
  const names = new Set(tables.map((t) => t.name));
  const ordered: TableSchema[] = [];
  const placed = new Set<string>();
  const visit = (table: TableSchema, path: ReadonlySet<string>) => {
    if (placed.has(table.name) || path.has(table.name)) return;
    for (const fk of table.foreignKeys) {
      const target = tables.find((t) => t.name === fk.targetTable);
      if (target && names.has(target.name) && target !== table) {
        visit(target, new Set([...path, table.name]));
      }
    }
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}
