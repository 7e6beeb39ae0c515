import { type Kysely, sql } from 'kysely';
import type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
  UniqueSchema,
} from './database-schema.ts';
import { introspectedDefault, kindOfType, normalizeType } from './normalize-sql.ts';

// biome-ignore lint/suspicious/noExplicitAny: reads any schema
type AnyDb = Kysely<any>;

const FK_ACTIONS: Readonly<Record<string, ForeignKeySchema['onDelete']>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

/**
 * Reads every ordinary table of the current schema from PostgreSQL's catalogues (not
 * information_schema, which hides constraints on tables the user does not own and has no
 * index list). Indexes that back a constraint belong to the constraint and are not listed.
 */
export async function introspectPostgres(db: AnyDb): Promise<DatabaseSchema> {
  const { rows: columnRows } = await sql<{
    table: string;
    name: string;
    type: string;
    not_null: boolean;
    default: string | null;
  }>`
    select c.relname as "table", a.attname as name,
           format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
           pg_get_expr(d.adbin, d.adrelid) as "default"
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
    where c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and c.relkind in ('r', 'p')
    order by c.relname, a.attnum`.execute(db);

  const { rows: constraintRows } = await sql<{
    table: string;
    name: string;
    type: 'p' | 'u' | 'f';
    columns: string[];
    target_table: string | null;
    target_columns: string[] | null;
    on_delete: string;
    on_update: string;
  }>`
    select c.relname as "table", k.conname as name, k.contype as type,
           array(select a.attname from unnest(k.conkey) with ordinality u(n, i)
                 join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n
                 order by u.i)::text[] as columns,
           t.relname as target_table,
           array(select a.attname from unnest(k.confkey) with ordinality u(n, i)
                 join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n
                 order by u.i)::text[] as target_columns,
           k.confdeltype as on_delete, k.confupdtype as on_update
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    left join pg_class t on t.oid = k.confrelid
    where c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and k.contype in ('p', 'u', 'f')
    order by c.relname, k.conname`.execute(db);

  const { rows: indexRows } = await sql<{
    table: string;
    name: string;
    unique: boolean;
    columns: string[];
  }>`
    select c.relname as "table", ic.relname as name, i.indisunique as "unique",
           array(select coalesce(a.attname, '(expression)')
                 from unnest(i.indkey::int2[]) with ordinality u(n, o)
                 left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = u.n
                 order by u.o)::text[] as columns
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_class ic on ic.oid = i.indexrelid
    where c.relnamespace = (select oid from pg_namespace where nspname = current_schema())
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid
                      and k.conrelid = i.indrelid)
    order by c.relname, ic.relname`.execute(db);

  const tables = new Map<string, MutableTable>();
  const tableOf = (name: string) => {
    let table = tables.get(name);
    if (!table) {
      table = { name, columns: [], primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
      tables.set(name, table);
    }
    return table;
  };
  for (const row of columnRows) {
    const type = normalizeType('postgres', row.type);
    const { kind, guessed } = kindOfType('postgres', type);
    tableOf(row.table).columns.push({
      name: row.name,
      type,
      kind,
      kindGuessed: guessed,
      nullable: !row.not_null,
      default: row.default === null ? null : introspectedDefault('postgres', row.default),
    });
  }
  for (const row of constraintRows) {
    const table = tableOf(row.table);
    if (row.type === 'p') table.primaryKey = row.columns;
    else if (row.type === 'u') table.uniques.push({ name: row.name, columns: row.columns });
    else {
      table.foreignKeys.push({
        name: row.name,
        columns: row.columns,
        targetTable: row.target_table ?? '',
        targetColumns: row.target_columns ?? [],
        onDelete: FK_ACTIONS[row.on_delete] ?? 'no action',
        onUpdate: FK_ACTIONS[row.on_update] ?? 'no action',
      });
    }
  }
  for (const row of indexRows) {
    tableOf(row.table).indexes.push({ name: row.name, columns: row.columns, unique: row.unique });
  }
  return { tables: [...tables.values()] };
}

interface MutableTable extends TableSchema {
  columns: ColumnSchema[];
  primaryKey: readonly string[];
  uniques: UniqueSchema[];
  indexes: IndexSchema[];
  foreignKeys: ForeignKeySchema[];
}
