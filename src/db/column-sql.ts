import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { ColumnKind, ServerDefault } from './columns.ts';
import type { Engine } from './engine.ts';

/**
 * The SQL type of each column kind on each engine: the single mapping used by migrations,
 * the batch helper and (later) the drift check.
 */
const SQL_TYPES: Readonly<Record<Engine, Readonly<Record<ColumnKind, string>>>> = {
  postgres: {
    uuid: 'uuid',
    text: 'text',
    integer: 'integer',
    bigint: 'bigint',
    uint256: 'numeric(78, 0)',
    timestamp: 'timestamptz',
    boolean: 'boolean',
    json: 'jsonb',
  },
  sqlite: {
    uuid: 'text',
    text: 'text',
    integer: 'integer',
    bigint: 'bigint',
    uint256: 'text',
    timestamp: 'text',
    boolean: 'integer',
    json: 'text',
  },
};

/** SQLite's "now" in the exact format `Date.prototype.toISOString` writes, so text sorts as time. */
const SQLITE_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

export function sqlTypeOf(engine: Engine, kind: ColumnKind): string {
  return SQL_TYPES[engine][kind];
}

export function defaultSqlOf(engine: Engine, value: ServerDefault): string {
  if (value.kind === 'now') return engine === 'postgres' ? 'now()' : SQLITE_NOW;
  const literal = value.value;
  if (typeof literal === 'boolean') {
    return engine === 'postgres' ? String(literal) : literal ? '1' : '0';
  }
  if (typeof literal === 'number') return String(literal);
  return `'${literal.replaceAll("'", "''")}'`;
}

/**
 * Which engine a Kysely instance (or transaction) talks to, asked of its query compiler.
 * Not `instanceof PostgresAdapter`: a migration loaded through tsx's scoped import gets its
 * own copy of Kysely, whose classes are not the ones the instance was built with.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any database type
export function engineOf(db: Kysely<any>): Engine {
  return sql`${0}`.compile(db).sql === '$1' ? 'postgres' : 'sqlite';
}

/**
 * What migrations write columns with, so one migration file runs on both engines:
 * `const t = columnTypes(db); createTable('x').addColumn('amount', t.uint256, …)`.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any database type
export function columnTypes(db: Kysely<any>) {
  const engine = engineOf(db);
  const type = (kind: ColumnKind) => sql.raw(sqlTypeOf(engine, kind));
  return {
    engine,
    uuid: type('uuid'),
    text: type('text'),
    integer: type('integer'),
    bigint: type('bigint'),
    uint256: type('uint256'),
    timestamp: type('timestamp'),
    boolean: type('boolean'),
    json: type('json'),
    /** The server default for "the time of the insert". */
    now: sql.raw(defaultSqlOf(engine, { kind: 'now' })) as RawBuilder<unknown>,
    /** A literal server default written the engine's way (booleans as 0/1 on SQLite). */
    literal: (value: string | number | boolean) =>
      sql.raw(defaultSqlOf(engine, { kind: 'literal', value })) as RawBuilder<unknown>,
  };
}
