import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** Receives each statement as it is sent, BEGIN and COMMIT included. */
export type StatementSink = (sql: string, parameters: readonly unknown[]) => void;

/**
 * Wraps a driver so every statement is told to a sink. With no inner driver, statements go
 * nowhere and every query returns no rows: that is how offline SQL is produced for
 * PostgreSQL without a server.
 */
export class RecordingDriver implements Driver {
  readonly #inner: Driver | undefined;
  readonly #sink: StatementSink;
  readonly #innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(inner: Driver | undefined, sink: StatementSink) {
    this.#inner = inner;
    this.#sink = sink;
  }

  async init(): Promise<void> {
    await this.#inner?.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner?.acquireConnection();
    const sink = this.#sink;
    const connection: DatabaseConnection = {
      async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
        sink(compiled.sql, compiled.parameters);
        return inner ? inner.executeQuery<R>(compiled) : { rows: [] };
      },
      streamQuery() {
        throw new Error('streaming is not available while recording SQL');
      },
    };
    if (inner) this.#innerOf.set(connection, inner);
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    this.#sink('BEGIN', []);
    const inner = this.#innerOf.get(connection);
    if (inner) await this.#inner?.beginTransaction(inner, settings);
  }

  async commitTransaction(connection: DatabaseConnection) {
    this.#sink('COMMIT', []);
    const inner = this.#innerOf.get(connection);
    if (inner) await this.#inner?.commitTransaction(inner);
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    this.#sink('ROLLBACK', []);
    const inner = this.#innerOf.get(connection);
    if (inner) await this.#inner?.rollbackTransaction(inner);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const inner = this.#innerOf.get(connection);
    if (inner) await this.#inner?.releaseConnection(inner);
  }

  async destroy(): Promise<void> {
    await this.#inner?.destroy();
  }
}
