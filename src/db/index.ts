export { columnTypes, engineOf } from './column-sql.ts';
export { col, serverDefault } from './columns.ts';
export {
  type CreateDatabaseOptions,
  createDatabase,
  type DatabaseConfig,
  type DatabaseHandle,
} from './create-database.ts';
export type { Engine } from './engine.ts';
export * from './errors.ts';
export { newId } from './ids.ts';
export { type Database, models } from './models/index.ts';
export { type PreparedQuery, prepareQuery } from './prepared-query.ts';
export { defineTable, type NewRowOf, type RowOf, type RowUpdateOf, type TableOf } from './table.ts';
export { withTransaction } from './transaction.ts';
export { isUint256, UINT256_MAX } from './uint256.ts';
