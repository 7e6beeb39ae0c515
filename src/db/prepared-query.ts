import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { CtripError } from '../errors.ts';

/** Stands for a parameter while a prepared query is compiled. */
class Placeholder {
  constructor(readonly key: string) {}
}

/** Where a prepared query runs: the database it was prepared on, or a transaction of it. */
// biome-ignore lint/suspicious/noExplicitAny: any database's executeQuery takes a compiled query
export type QueryExecutor = Pick<Kysely<any>, 'executeQuery'>;

export interface PreparedQuery<P, R> {
  /** Runs the query with these parameters, on `db` or inside a unit of work. */
  execute(params: P, executor?: QueryExecutor): Promise<R[]>;
  executeTakeFirst(params: P, executor?: QueryExecutor): Promise<R | undefined>;
}

/**
 * Builds and compiles a query once, for hot paths that run it many times with different
 * values (a lookup per block, per request). Each run only swaps the parameters, skipping
 * Kysely's building and compiling; results are still decoded by the value-codec plugin.
 *
 * Parameters may stand where Kysely binds a single value (`where('address', '=', p.address)`,
 * `limit(p.limit)`), not inside `in (...)` lists nor in values written by insert or update,
 * which are encoded when the query is built.
 */
export function prepareQuery<DB, P extends Record<string, unknown>, R>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, params: P) => Compilable<R>,
): PreparedQuery<P, R> {
  const placeholders = new Proxy({} as P, {
    get: (_, key) => new Placeholder(String(key)),
  });
  const compiled = build(db, placeholders).compile();
  const slots: [index: number, key: string][] = [];
  compiled.parameters.forEach((value, index) => {
    if (value instanceof Placeholder) slots.push([index, value.key]);
  });

  const run = async (params: P, executor: QueryExecutor = db) => {
    const parameters = compiled.parameters.slice();
    for (const [index, key] of slots) {
      if (!(key in params)) {
        throw new CtripError('DB_MISSING_PARAMETER', `the prepared query needs '${key}'`);
      }
      parameters[index] = params[key];
    }
    // The same queryId as at compile time: that is what the codec plugin decodes by.
    const query: CompiledQuery<R> = { ...compiled, parameters };
    return (await executor.executeQuery(query)).rows;
  };
  return {
    execute: (params, executor) => run(params, executor),
    executeTakeFirst: async (params, executor) => (await run(params, executor))[0],
  };
}
