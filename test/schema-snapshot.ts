import { type Kysely, sql } from 'kysely';
import { engineOf } from '../src/db/column-sql.ts';

/**
 * A normalized description of every table, column, constraint and index in the database,
 * for comparing schemas in tests (e.g. after upgrade → downgrade → upgrade).
 */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export async function snapshotSchema(db: Kysely<any>): Promise<string[]> {
  if (engineOf(db) === 'sqlite') {
    const { rows } = await sql<{ type: string; name: string; sql: string | null }>`
      select type, name, sql from sqlite_master
      where name not like 'sqlite_%' order by type, name`.execute(db);
    return rows.map((r) => `${r.type} ${r.name}: ${r.sql ?? ''}`);
  }
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type
      || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '')
      || case when is_nullable = 'NO' then ' not null' else '' end
      || coalesce(' default ' || column_default, '') as line
    from information_schema.columns where table_schema = 'public'
    order by table_name, column_name`.execute(db);
  const constraints = await sql<{ line: string }>`
    select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as line
    from pg_constraint where connamespace = 'public'::regnamespace
    order by 1`.execute(db);
  const indexes = await sql<{ line: string }>`
    select indexdef as line from pg_indexes where schemaname = 'public' order by indexname`.execute(
    db,
  );
  return [...columns.rows, ...constraints.rows, ...indexes.rows].map((r) => r.line);
}
