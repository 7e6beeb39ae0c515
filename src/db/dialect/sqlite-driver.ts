import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  type TransactionSettings,
} from 'kysely';

const STATEMENT_CACHE_SIZE = 256;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Kysely driver for better-sqlite3, written for cTrip rather than taken from Kysely because:
 * - write transactions start with BEGIN IMMEDIATE, so two processes sharing the file queue on
 *   busy_timeout instead of failing with SQLITE_BUSY when a reader upgrades to a writer;
 * - prepared statements are cached by SQL text (Kysely's driver prepares every query again);
 * - parameters are bound the way the PostgreSQL driver would take them: booleans as 0/1,
 *   Dates as ISO-8601 UTC text, bigints beyond 64 bits as decimal text.
 */
export class SqliteDriver implements Driver {
  readonly #open: () => BetterSqlite3.Database;
  readonly #mutex = new ConnectionMutex();
  #connection: SqliteConnection | undefined;

  constructor(open: () => BetterSqlite3.Database) {
    this.#open = open;
  }

  async init(): Promise<void> {
    this.#connection = new SqliteConnection(this.#open());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection per process: the mutex hands it to one unit of work at a time.
    await this.#mutex.lock();
    if (!this.#connection) throw new Error('the SQLite database is closed');
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, _: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string, _: QueryCompiler['compileQuery']) {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    this.#connection?.close();
    this.#connection = undefined;
  }
}

class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  get raw(): BetterSqlite3.Database {
    return this.#db;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#prepare(compiled.sql);
    const parameters = compiled.parameters.map(bindable);
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return {
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) {
      throw new Error('SQLite can only stream select queries');
    }
    const statement = this.#prepare(compiled.sql);
    for (const row of statement.iterate(compiled.parameters.map(bindable))) {
      yield { rows: [row as R] };
    }
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }

  /**
   * Statements are cached by SQL text and evicted oldest-first. A schema change needs no
   * eviction: SQLite re-prepares a cached statement whose schema changed.
   */
  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (statement) return statement;
    statement = this.#db.prepare(sql);
    if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    this.#statements.set(sql, statement);
    return statement;
  }
}

function bindable(value: unknown): unknown {
  switch (typeof value) {
    case 'boolean':
      return value ? 1 : 0;
    case 'bigint':
      return value < INT64_MIN || value > INT64_MAX ? value.toString() : value;
    case 'object':
      if (value === null || Buffer.isBuffer(value)) return value;
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value);
    default:
      return value;
  }
}

/** Hands the one connection to one unit of work at a time, in arrival order. */
class ConnectionMutex {
  #locked = false;
  readonly #waiting: (() => void)[] = [];

  lock(): Promise<void> | undefined {
    if (!this.#locked) {
      this.#locked = true;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  unlock(): void {
    const next = this.#waiting.shift();
    // The lock passes straight to the next waiter, so nobody can slip in between.
    if (next) next();
    else this.#locked = false;
  }
}
