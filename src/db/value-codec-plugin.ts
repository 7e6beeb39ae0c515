import {
  AliasNode,
  ColumnNode,
  ColumnUpdateNode,
  DeleteQueryNode,
  IdentifierNode,
  InsertQueryNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PrimitiveValueListNode,
  type QueryId,
  type QueryResult,
  ReferenceNode,
  type RootOperationNode,
  SelectAllNode,
  type SelectionNode,
  SelectQueryNode,
  TableNode,
  type UnknownRow,
  UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
} from 'kysely';
import type { EngineCodecs } from './codecs.ts';
import type { ColumnKind } from './columns.ts';
import type { TableSpec } from './table.ts';

type Decode = (value: unknown) => unknown;
/** Result column name → how to decode it; a flat list, walked once per row. */
type Decoders = readonly (readonly [string, Decode])[];

/**
 * Gives every model column its TypeScript type on both engines, the way SQLAlchemy's column
 * types do: values written to a known column are validated and encoded (a negative uint256 is
 * refused before it reaches SQL), and result columns that can be traced back to a model
 * column (`select *`, `t.col`, `col as alias`, `returning`) are decoded. Expressions the
 * plugin cannot trace (aggregates, raw SQL) come back as the driver returns them.
 */
export class ValueCodecPlugin implements KyselyPlugin {
  readonly #tables: ReadonlyMap<string, TableSpec>;
  readonly #codecs: EngineCodecs;
  readonly #decoders = new WeakMap<QueryId, Decoders>();
  /** Per table, the decoders of all its columns: what `select *` needs, built once. */
  readonly #allColumns = new Map<TableSpec, Decoders>();

  constructor(tables: readonly TableSpec[], codecs: EngineCodecs) {
    this.#tables = new Map(tables.map((t) => [t.name, t]));
    this.#codecs = codecs;
    for (const table of tables) {
      const decoders: [string, Decode][] = [];
      for (const [name, column] of table.columns) {
        const decode = codecs.decode[column.kind];
        if (decode) decoders.push([name, decode]);
      }
      this.#allColumns.set(table, decoders);
    }
  }

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    let transformed: RootOperationNode = node;
    let scope: Scope | undefined;
    let selections: readonly SelectionNode[] | undefined;
    if (SelectQueryNode.is(node)) {
      scope = this.#scope([...(node.from?.froms ?? []), ...(node.joins ?? []).map((j) => j.table)]);
      selections = node.selections;
    } else if (InsertQueryNode.is(node) && node.into) {
      transformed = this.#encodeInsert(node);
      scope = this.#scope([node.into]);
      selections = node.returning?.selections;
    } else if (UpdateQueryNode.is(node) && node.table) {
      transformed = this.#encodeUpdate(node);
      scope = this.#scope([node.table]);
      selections = node.returning?.selections;
    } else if (DeleteQueryNode.is(node)) {
      scope = this.#scope(node.from.froms);
      selections = node.returning?.selections;
    }
    if (scope && scope.size > 0 && selections) {
      const decoders = this.#decodersFor(scope, selections);
      if (decoders.length > 0) this.#decoders.set(queryId, decoders);
    }
    return transformed;
  }

  async transformResult({
    result,
    queryId,
  }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const decoders = this.#decoders.get(queryId);
    if (!decoders || result.rows.length === 0) return result;
    for (const row of result.rows) {
      for (let i = 0; i < decoders.length; i++) {
        const [name, decode] = decoders[i] as Decoders[number];
        const value = row[name];
        if (value !== null && value !== undefined) row[name] = decode(value);
      }
    }
    return result;
  }

  #scope(nodes: readonly OperationNode[]): Scope {
    const scope: Scope = new Map();
    for (const node of nodes) {
      const table = tableOf(node);
      const spec = table && this.#tables.get(table.table.identifier.name);
      if (!spec || !table) continue;
      const alias =
        AliasNode.is(node) && IdentifierNode.is(node.alias)
          ? node.alias.name
          : table.table.identifier.name;
      scope.set(alias, spec);
    }
    return scope;
  }

  #decodersFor(scope: Scope, selections: readonly SelectionNode[]): Decoders {
    // The common case, `selectAll()` on one table, shares the list built up front.
    const only = selections.length === 1 ? selections[0]?.selection : undefined;
    if (only && SelectAllNode.is(only) && scope.size === 1) {
      return this.#allColumns.get(scope.values().next().value as TableSpec) ?? [];
    }
    // By output name: when joined tables share a column name, the row holds the last one
    // (both drivers build rows left to right), so the last table's decoder is the one to keep.
    const decoders = new Map<string, Decode>();
    const addAll = (spec: TableSpec | undefined) => {
      for (const [name, column] of spec?.columns ?? []) {
        const decode = this.#codecs.decode[column.kind];
        // A later column without a decoder replaces an earlier one's value: no decoding then.
        if (decode) decoders.set(name, decode);
        else decoders.delete(name);
      }
    };
    for (const { selection } of selections) {
      if (SelectAllNode.is(selection)) {
        for (const spec of scope.values()) addAll(spec);
      } else if (ReferenceNode.is(selection) && SelectAllNode.is(selection.column)) {
        addAll(selection.table && scope.get(selection.table.table.identifier.name));
      } else {
        const aliased = AliasNode.is(selection) && IdentifierNode.is(selection.alias);
        const node = aliased ? selection.node : selection;
        const name = aliased ? (selection.alias as IdentifierNode).name : columnName(selection);
        const kind = name === undefined ? undefined : kindOf(scope, node);
        const decode = kind && this.#codecs.decode[kind];
        if (name === undefined) continue;
        // A traced column is decoded; an untraced expression under that name is left alone.
        if (decode) decoders.set(name, decode);
        else decoders.delete(name);
      }
    }
    return [...decoders];
  }

  #encodeInsert(node: InsertQueryNode): InsertQueryNode {
    const spec = node.into && this.#tables.get(node.into.table.identifier.name);
    if (!spec || !node.columns || !node.values || !ValuesNode.is(node.values)) return node;
    const encoders = node.columns.map((c) => this.#encoder(spec, c.column.name));
    if (encoders.every((e) => e === undefined)) return node;
    const values = node.values.values.map((list) => {
      if (PrimitiveValueListNode.is(list)) {
        return PrimitiveValueListNode.create(
          list.values.map((value, i) => encoders[i]?.(value) ?? value),
        );
      }
      if (ValueListNode.is(list)) {
        return ValueListNode.create(
          list.values.map((value, i) => {
            const encode = encoders[i];
            return encode && ValueNode.is(value) ? ValueNode.create(encode(value.value)) : value;
          }),
        );
      }
      return list;
    });
    return {
      ...node,
      values: ValuesNode.create(values),
      ...(node.onConflict?.updates
        ? {
            onConflict: {
              ...node.onConflict,
              updates: this.#encodeUpdates(spec, node.onConflict.updates),
            },
          }
        : {}),
    };
  }

  #encodeUpdate(node: UpdateQueryNode): UpdateQueryNode {
    const table = node.table && tableOf(node.table);
    const spec = table && this.#tables.get(table.table.identifier.name);
    if (!spec || !node.updates) return node;
    return { ...node, updates: this.#encodeUpdates(spec, node.updates) };
  }

  /** `set col = value` in an update or an upsert's `do update set`. */
  #encodeUpdates(spec: TableSpec, updates: readonly ColumnUpdateNode[]): ColumnUpdateNode[] {
    return updates.map((update) => {
      const name = ColumnNode.is(update.column) ? update.column.column.name : undefined;
      const encode = name ? this.#encoder(spec, name) : undefined;
      if (!encode || !ValueNode.is(update.value)) return update;
      return ColumnUpdateNode.create(update.column, ValueNode.create(encode(update.value.value)));
    });
  }

  #encoder(spec: TableSpec, name: string): ((value: unknown) => unknown) | undefined {
    const column = spec.columns.get(name);
    if (!column) return undefined;
    const encode = this.#codecs.encode[column.kind];
    return (value) => (value === undefined ? value : encode(value, spec.name, name));
  }
}

/** Table name or alias → the model it stands for. */
type Scope = Map<string, TableSpec>;

/** The table a FROM item names, through an alias if it has one. */
function tableOf(node: OperationNode): TableNode | undefined {
  if (TableNode.is(node)) return node;
  if (AliasNode.is(node) && TableNode.is(node.node)) return node.node;
  return undefined;
}

function columnName(node: OperationNode): string | undefined {
  if (ColumnNode.is(node)) return node.column.name;
  if (ReferenceNode.is(node) && ColumnNode.is(node.column)) return node.column.column.name;
  return undefined;
}

/** The kind of the model column a selection refers to, when it refers to exactly one. */
function kindOf(scope: Scope, node: OperationNode): ColumnKind | undefined {
  const name = columnName(node);
  if (!name) return undefined;
  if (ReferenceNode.is(node) && node.table) {
    return scope.get(node.table.table.identifier.name)?.columns.get(name)?.kind;
  }
  const kinds = new Set<ColumnKind>();
  for (const spec of scope.values()) {
    const kind = spec.columns.get(name)?.kind;
    if (kind) kinds.add(kind);
  }
  return kinds.size === 1 ? [...kinds][0] : undefined;
}
