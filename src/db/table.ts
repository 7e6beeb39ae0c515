import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { Column, ColumnSpec, ForeignKeyTarget } from './columns.ts';

// biome-ignore lint/suspicious/noExplicitAny: any column of any type parameters
export type AnyColumn = Column<any, boolean, boolean>;

export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface ForeignKeySpec {
  readonly name: string;
  readonly column: string;
  readonly target: ForeignKeyTarget;
}

export interface UniqueSpec {
  readonly name: string;
  readonly columns: readonly string[];
}

/** A table as the migration tool and the drift check see it. */
export interface TableSpec {
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColumnSpec>;
  readonly primaryKey: readonly string[];
  readonly uniques: readonly UniqueSpec[];
  readonly indexes: readonly IndexSpec[];
  readonly foreignKeys: readonly ForeignKeySpec[];
}

export interface TableModel<C extends Record<string, AnyColumn>> extends TableSpec {
  readonly definition: C;
}

interface TableOptions<C> {
  readonly columns: C;
  /** Multi-column unique constraints; single columns use `.unique()`. */
  readonly uniques?: readonly { readonly columns: readonly (keyof C & string)[] }[];
  readonly indexes?: readonly {
    readonly columns: readonly (keyof C & string)[];
    readonly unique?: boolean;
  }[];
}

/**
 * Declares a table once; its Kysely row types are derived with `TableOf<typeof model>`.
 * Constraint and index names follow one convention (`<table>_<cols>_key`, `<table>_<cols>_idx`)
 * so migrations, the database and the models agree on them.
 */
export function defineTable<const C extends Record<string, AnyColumn>>(
  name: string,
  options: TableOptions<C>,
): TableModel<C> {
  const columns = new Map<string, ColumnSpec>();
  for (const [columnName, column] of Object.entries(options.columns)) {
    columns.set(columnName, column.spec);
  }
  const primaryKey = [...columns].filter(([, spec]) => spec.primaryKey).map(([n]) => n);
  const uniques: UniqueSpec[] = [
    ...[...columns].filter(([, spec]) => spec.unique).map(([n]) => [n]),
    ...(options.uniques ?? []).map((u) => u.columns),
  ].map((cols) => ({ name: constraintName(name, cols, 'key'), columns: [...cols] }));
  const indexes: IndexSpec[] = (options.indexes ?? []).map((index) => ({
    name: constraintName(name, index.columns, 'idx'),
    columns: [...index.columns],
    unique: index.unique ?? false,
  }));
  const foreignKeys: ForeignKeySpec[] = [];
  for (const [columnName, spec] of columns) {
    if (spec.references) {
      foreignKeys.push({
        name: constraintName(name, [columnName], 'fkey'),
        column: columnName,
        target: spec.references,
      });
    }
  }
  return Object.freeze({
    name,
    definition: options.columns,
    columns,
    primaryKey,
    uniques,
    indexes,
    foreignKeys,
  });
}

export function constraintName(table: string, columns: readonly string[], suffix: string): string {
  return `${table}_${columns.join('_')}_${suffix}`;
}

type ColumnTypeOf<C> =
  C extends Column<infer T, infer N, infer O>
    ? ColumnType<
        N extends true ? T | null : T,
        O extends true
          ? (N extends true ? T | null : T) | undefined
          : N extends true
            ? T | null
            : T,
        N extends true ? T | null : T
      >
    : never;

/** The Kysely table type of a model. */
export type TableOf<M> =
  M extends TableModel<infer C> ? { [K in keyof C]: ColumnTypeOf<C[K]> } : never;

export type RowOf<M> = Selectable<TableOf<M>>;
export type NewRowOf<M> = Insertable<TableOf<M>>;
export type RowUpdateOf<M> = Updateable<TableOf<M>>;
