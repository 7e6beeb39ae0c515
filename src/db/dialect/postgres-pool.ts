import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** SQLSTATEs and socket errors that mean the connection was dead before the statement ran. */
const CONNECTION_LOST_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, server restart (fast)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57P05', // idle_session_timeout
  'ECONNRESET',
  'EPIPE',
]);

export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (e?.code && CONNECTION_LOST_CODES.has(e.code)) return true;
  return /Connection terminated|not queryable|connection error/i.test(e?.message ?? '');
}

/**
 * A `pg` pool with SQLAlchemy's pre-ping guarantee and none of its round trip: a client whose
 * server side went away (restart, `pg_terminate_backend`, idle timeout) is detected by the
 * first statement after checkout failing with a connection-loss error; that client is
 * destroyed and the statement runs once more on a fresh connection. Only the first statement
 * after checkout is retried, so a statement inside an open transaction is never replayed, and
 * a connection-loss error means the server never committed it.
 */
export class PrePingPool implements PostgresPool {
  readonly #pool: pg.Pool;
  /** One wrapper per pooled client, so Kysely's per-connection cache keeps hitting. */
  readonly #wrappers = new WeakMap<pg.PoolClient, PrePingClient>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  get pool(): pg.Pool {
    return this.#pool;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let wrapper = this.#wrappers.get(client);
    if (!wrapper) {
      wrapper = new PrePingClient(this.#pool);
      this.#wrappers.set(client, wrapper);
    }
    wrapper.checkOut(client);
    return wrapper;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * A checked-out client. While checked out, `pg` emits a dead connection's error on the
 * client, where an unheard 'error' event would crash the process; the statement in flight
 * rejects with the same error, so listening is all that is needed.
 */
class PrePingClient implements PostgresPoolClient {
  readonly #pool: pg.Pool;
  #client: pg.PoolClient | undefined;
  #used = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  checkOut(client: pg.PoolClient): void {
    this.#client = client;
    this.#used = false;
    client.on('error', ignoreError);
  }

  get #current(): pg.PoolClient {
    if (!this.#client) throw new Error('the connection was released');
    return this.#client;
  }

  // biome-ignore lint/suspicious/noExplicitAny: mirrors Kysely's overloaded signature
  query(...args: any[]): any {
    if (args.length === 1) return this.#current.query(args[0]);
    return this.#run(args[0] as string, args[1] as unknown[]);
  }

  async #run<R>(sql: string, parameters: unknown[]): Promise<PostgresQueryResult<R>> {
    const first = !this.#used;
    this.#used = true;
    // Every idle client may be dead (a server restart kills them all): each retry discards
    // one, so the pool's size plus one attempts always reach a fresh connection.
    let attemptsLeft = first ? (this.#pool.options.max ?? 10) + 1 : 0;
    for (;;) {
      try {
        return (await this.#current.query(sql, parameters)) as unknown as PostgresQueryResult<R>;
      } catch (error) {
        if (attemptsLeft-- <= 0 || !isConnectionLost(error)) throw error;
        this.release(true);
        this.checkOut(await this.#pool.connect());
      }
    }
  }

  release(destroy?: boolean): void {
    const client = this.#current;
    this.#client = undefined;
    client.off('error', ignoreError);
    client.release(destroy);
  }
}

function ignoreError(): void {}
