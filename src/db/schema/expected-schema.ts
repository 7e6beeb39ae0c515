import { sqlTypeOf } from '../column-sql.ts';
import type { Engine } from '../engine.ts';
import type { TableSpec } from '../table.ts';
import type { DatabaseSchema, TableSchema } from './database-schema.ts';
import { declaredDefault, normalizeType } from './normalize-sql.ts';

/** What the models say the database should hold on one engine, in the models' order. */
export function expectedSchema(engine: Engine, models: readonly TableSpec[]): DatabaseSchema {
  return { tables: models.map((model) => expectedTable(engine, model)) };
}

function expectedTable(engine: Engine, model: TableSpec): TableSchema {
  return {
    name: model.name,
    columns: [...model.columns].map(([name, spec]) => ({
      name,
      type: normalizeType(engine, sqlTypeOf(engine, spec.kind)),
      kind: spec.kind,
      kindGuessed: false,
      nullable: spec.nullable,
      default: spec.default ? declaredDefault(engine, spec.default) : null,
    })),
    primaryKey: model.primaryKey,
    uniques: model.uniques,
    indexes: model.indexes,
    foreignKeys: model.foreignKeys.map((fk) => ({
      name: fk.name,
      columns: [fk.column],
      targetTable: fk.target.table,
      targetColumns: [fk.target.column],
      onDelete: fk.target.onDelete,
      onUpdate: fk.target.onUpdate,
    })),
  };
}
