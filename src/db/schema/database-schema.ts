import type { ColumnKind, ReferentialAction, ServerDefault } from '../columns.ts';

/**
 * A database's tables in one shape, whether read from a live database (introspect-*.ts) or
 * derived from the models (expected-schema.ts), so the two can be compared. Types and
 * defaults are held as normalized SQL text of one engine (normalize-sql.ts); what a
 * migration needs to write them back is kept beside.
 */
export interface DatabaseSchema {
  /** Every table, by name, in a stable order (the models' order for expected schemas). */
  readonly tables: readonly TableSchema[];
}

export interface TableSchema {
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  readonly primaryKey: readonly string[];
  readonly uniques: readonly UniqueSchema[];
  readonly indexes: readonly IndexSchema[];
  readonly foreignKeys: readonly ForeignKeySchema[];
}

export interface ColumnSchema {
  readonly name: string;
  /** The SQL type, normalized (`timestamptz`, `numeric(78,0)`, `text`). */
  readonly type: string;
  /**
   * The column kind a migration writes the type with. For an introspected column it is read
   * back from the type; `guessed` when the engine stores several kinds alike (SQLite keeps
   * uuid, uint256, timestamp and json as text) and undefined when no kind has that type.
   */
  readonly kind: ColumnKind | undefined;
  readonly kindGuessed: boolean;
  /** As the engine reports it. Primary key columns are not compared (SQLite allows NULL). */
  readonly nullable: boolean;
  readonly default: DefaultSchema | null;
}

export interface DefaultSchema {
  /** The default expression, normalized (`'pending'`, `0`, `now()`). */
  readonly sql: string;
  /** The same as a model would declare it; undefined for an expression no model can write. */
  readonly value: ServerDefault | undefined;
}

export interface UniqueSchema {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface IndexSchema {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface ForeignKeySchema {
  readonly name: string;
  readonly columns: readonly string[];
  readonly targetTable: string;
  readonly targetColumns: readonly string[];
  readonly onDelete: ReferentialAction | 'set default';
  readonly onUpdate: ReferentialAction | 'set default';
}

/** Leaves out the tables a comparison ignores (the migration tool's own, the operator's list). */
export function withoutTables(
  schema: DatabaseSchema,
  ignored: ReadonlySet<string>,
): DatabaseSchema {
  return { tables: schema.tables.filter((t) => !ignored.has(t.name)) };
}
