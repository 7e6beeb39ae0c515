import { type Kysely, sql } from 'kysely';
import { engineOf } from '../src/db/column-sql.ts';

// biome-ignore lint/suspicious/noExplicitAny: any schema
type AnyDb = Kysely<any>;

/**
 * A normalized description of every table, column, constraint and index in the database,
 * for comparing schemas in tests (e.g. after upgrade → downgrade → upgrade). It reads what
 * the engine enforces, not how the DDL was spelled.
 */
export async function snapshotSchema(db: AnyDb): Promise<string[]> {
  return engineOf(db) === 'sqlite' ? snapshotSqlite(db) : snapshotPostgres(db);
}

async function snapshotSqlite(db: AnyDb): Promise<string[]> {
  const lines: string[] = [];
  const { rows: tables } = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name not like 'sqlite_%'
    order by name`.execute(db);
  for (const { name } of tables) {
    const pragma = async <R>(p: string, arg = name) =>
      (await sql.raw(`pragma ${p}("${arg}")`).execute(db)).rows as R[];
    for (const c of await pragma<Record<string, unknown>>('table_xinfo')) {
      lines.push(
        `${name}.${c.name} ${String(c.type).toLowerCase()} notnull=${c.notnull} default=${c.dflt_value} pk=${c.pk}`,
      );
    }
    for (const i of await pragma<{ name: string; unique: number; origin: string }>('index_list')) {
      const cols = (await pragma<{ name: string }>('index_info', i.name)).map((c) => c.name);
      const label = i.origin === 'c' ? i.name : `(${i.origin})`;
      lines.push(`${name} index ${label} unique=${i.unique} (${cols.join(',')})`);
    }
    for (const f of await pragma<Record<string, unknown>>('foreign_key_list')) {
      lines.push(
        `${name} fk ${f.from} -> ${f.table}.${f.to} delete=${f.on_delete} update=${f.on_update}`,
      );
    }
  }
  return lines.sort();
}

async function snapshotPostgres(db: AnyDb): Promise<string[]> {
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type
      || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '')
      || case when is_nullable = 'NO' then ' not null' else '' end
      || coalesce(' default ' || column_default, '') as line
    from information_schema.columns where table_schema = 'public'`.execute(db);
  const constraints = await sql<{ line: string }>`
    select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as line
    from pg_constraint where connamespace = 'public'::regnamespace`.execute(db);
  const indexes = await sql<{ line: string }>`
    select indexdef as line from pg_indexes where schemaname = 'public'`.execute(db);
  return [...columns.rows, ...constraints.rows, ...indexes.rows].map((r) => r.line).sort();
}
