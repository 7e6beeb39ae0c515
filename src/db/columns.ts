/**
 * The column vocabulary every model is declared in. Each kind has one TypeScript type, one
 * SQL type per engine (see column-sql.ts) and one codec (see codecs.ts).
 */
export type ColumnKind =
  | 'uuid'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'uint256'
  | 'timestamp'
  | 'boolean'
  | 'json';

export interface ColumnKindTypes {
  uuid: string;
  text: string;
  integer: number;
  /** Block numbers and other 64-bit counts. */
  bigint: bigint;
  /** Token amounts in base units: 0 to 2^256 − 1. */
  uint256: bigint;
  timestamp: Date;
  boolean: boolean;
  json: unknown;
}

/** A server-side default: a literal, or the current time. */
export type ServerDefault =
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'now' };

/** Server defaults for migrations and batchAlterTable: `serverDefault.literal(0)`, `serverDefault.now`. */
export const serverDefault = {
  now: { kind: 'now' } as ServerDefault,
  literal: (value: string | number | boolean): ServerDefault => ({ kind: 'literal', value }),
} as const;

export type ReferentialAction = 'cascade' | 'restrict' | 'set null' | 'no action';

export interface ForeignKeyTarget {
  readonly table: string;
  readonly column: string;
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
}

export interface ColumnSpec {
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly default: ServerDefault | undefined;
  readonly primaryKey: boolean;
  readonly unique: boolean;
  readonly references: ForeignKeyTarget | undefined;
}

/**
 * An immutable column declaration. The type parameters carry what the row types need: the
 * TypeScript type, whether NULL is allowed, and whether an insert may leave it out.
 */
export class Column<T, Nullable extends boolean = false, Optional extends boolean = false> {
  readonly spec: ColumnSpec;
  declare readonly __type: T;
  declare readonly __nullable: Nullable;
  declare readonly __optional: Optional;

  constructor(spec: ColumnSpec) {
    this.spec = Object.freeze(spec);
  }

  nullable(): Column<T, true, true> {
    return new Column({ ...this.spec, nullable: true });
  }

  /** A server default: the database fills the column when an insert leaves it out. */
  default(value: string | number | boolean): Column<T, Nullable, true> {
    return new Column({ ...this.spec, default: { kind: 'literal', value } });
  }

  /** Defaults to the time of the insert, in UTC. */
  defaultNow(): Column<T, Nullable, true> {
    return new Column({ ...this.spec, default: { kind: 'now' } });
  }

  primaryKey(): Column<T, Nullable, Optional> {
    return new Column({ ...this.spec, primaryKey: true });
  }

  unique(): Column<T, Nullable, Optional> {
    return new Column({ ...this.spec, unique: true });
  }

  references(
    target: `${string}.${string}`,
    actions: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction } = {},
  ): Column<T, Nullable, Optional> {
    const [table = '', column = ''] = target.split('.');
    return new Column({
      ...this.spec,
      references: {
        table,
        column,
        onDelete: actions.onDelete ?? 'no action',
        onUpdate: actions.onUpdate ?? 'no action',
      },
    });
  }
}

function column<K extends ColumnKind>(kind: K): Column<ColumnKindTypes[K]> {
  return new Column({
    kind,
    nullable: false,
    default: undefined,
    primaryKey: false,
    unique: false,
    references: undefined,
  });
}

/** Column constructors: `col.uint256().nullable()`, `col.timestamp().defaultNow()`, … */
export const col = {
  uuid: () => column('uuid'),
  text: () => column('text'),
  integer: () => column('integer'),
  bigint: () => column('bigint'),
  uint256: () => column('uint256'),
  timestamp: () => column('timestamp'),
  boolean: () => column('boolean'),
  json: <T = unknown>() => column('json') as unknown as Column<T>,
} as const;
