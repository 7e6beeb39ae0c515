import { type Kysely, sql } from 'kysely';
import { readSqliteTable } from '../migrate/sqlite-table.ts';
import type { DatabaseSchema, ForeignKeySchema, TableSchema } from './database-schema.ts';
import { introspectedDefault, kindOfType, normalizeType } from './normalize-sql.ts';

// biome-ignore lint/suspicious/noExplicitAny: reads any schema
type AnyDb = Kysely<any>;

/**
 * Reads every table of a SQLite database from `sqlite_master` and the pragmas (through the
 * batch helper's reader, so the two agree on names): columns as declared, constraint names
 * from the CREATE TABLE text, indexes made with CREATE INDEX.
 */
export async function introspectSqlite(db: AnyDb): Promise<DatabaseSchema> {
  const { rows } = await sql<{ name: string }>`
    select name from sqlite_master
    where type = 'table' and name not like 'sqlite\\_%' escape '\\'
    order by name`.execute(db);
  const tables: TableSchema[] = [];
  for (const { name } of rows) {
    const table = await readSqliteTable(db, name);
    tables.push({
      name,
      columns: table.columns.map((c) => {
        const type = normalizeType('sqlite', c.type);
        const value = c.defaultSql === null ? null : introspectedDefault('sqlite', c.defaultSql);
        // Text that defaults to the ISO time of the insert is a timestamp, whatever else is text.
        const { kind, guessed } =
          type === 'text' && value?.value?.kind === 'now'
            ? { kind: 'timestamp' as const, guessed: false }
            : kindOfType('sqlite', type);
        return {
          name: c.name,
          type,
          kind,
          kindGuessed: guessed,
          nullable: !c.notNull,
          default: value,
        };
      }),
      primaryKey: table.primaryKey,
      uniques: table.uniques,
      indexes: table.indexes,
      foreignKeys: table.foreignKeys.map((f) => ({
        name: f.name,
        columns: f.columns,
        targetTable: f.table,
        targetColumns: f.references,
        onDelete: f.onDelete as ForeignKeySchema['onDelete'],
        onUpdate: f.onUpdate as ForeignKeySchema['onUpdate'],
      })),
    });
  }
  return { tables };
}
