import {
  type Compilable,
  type CompiledQuery,
  InsertQueryNode,
  type Kysely,
  PrimitiveValueListNode,
  type RootOperationNode,
  UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
} from 'kysely';
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

/** Keys of placeholders that stand in values an insert or update writes. */
function writtenPlaceholders(node: RootOperationNode): string[] {
  const values: unknown[] = [];
  if (UpdateQueryNode.is(node)) {
    for (const update of node.updates ?? []) {
      if (ValueNode.is(update.value)) values.push(update.value.value);
    }
  }
  if (InsertQueryNode.is(node) && node.values && ValuesNode.is(node.values)) {
    for (const list of node.values.values) {
      if (PrimitiveValueListNode.is(list)) values.push(...list.values);
      else if (ValueListNode.is(list)) {
        for (const value of list.values) if (ValueNode.is(value)) values.push(value.value);
      }
    }
  }
  return values.filter((v): v is Placeholder => v instanceof Placeholder).map((p) => p.key);
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
  const used = new Set<string>();
  const placeholders = new Proxy({} as P, {
    get: (_, key) => {
      used.add(String(key));
      return new Placeholder(String(key));
    },
  });
  const compiled = build(db, placeholders).compile();
  const slots: [index: number, key: string][] = [];
  compiled.parameters.forEach((value, index) => {
    if (value instanceof Placeholder) slots.push([index, value.key]);
  });
  // Written values are encoded when the query is built (a boolean becomes 1 on SQLite), so a
  // placeholder there would be fixed at its first value, or lost: refused on both engines.
  const lost = [
    ...[...used].filter((key) => !slots.some(([, k]) => k === key)),
    ...writtenPlaceholders(compiled.query),
  ];
  if (lost.length > 0) {
    throw new CtripError(
      'DB_UNPREPARABLE_PARAMETER',
      `prepared parameters stand only where a query reads (where, limit), not in written values: ${lost.join(', ')}`,
    );
  }

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
