export {
  type AutogenerateMigrationParams,
  type AutogenerateMigrationResult,
  autogenerateMigration,
} from './autogenerate-migration.ts';
export { type CheckSchemaParams, type CheckSchemaResult, checkSchema } from './check-schema.ts';
export { type CompareSchemaParams, compareSchema } from './compare-schema.ts';
export type * from './database-schema.ts';
export { diffSchema } from './diff-schema.ts';
export * from './errors.ts';
export { expectedSchema } from './expected-schema.ts';
export { introspectSchema } from './introspect-schema.ts';
export { renderMigration } from './render-migration.ts';
export { describeOperation, invertOperation, type SchemaOperation } from './schema-operation.ts';
