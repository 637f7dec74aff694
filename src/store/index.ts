export { openStore, type Store, type StoreOptions } from './open-store.js';
export { migrateToLatest, schemaStatus, type MigrateResult, type SchemaStatus } from './migrate.js';
export { dialectOf, type DialectName } from './dialect.js';
export * from './tables.js';
export * from './feedback-tables.js';
export * from './campaign-tables.js';
export * from './delivery-tables.js';
export { createSqliteWriter, type SqliteWriter } from './sqlite-writer.js';
