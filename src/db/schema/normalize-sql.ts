import { defaultSqlOf, sqlTypeOf } from '../column-sql.ts';
import type { ColumnKind, ServerDefault } from '../columns.ts';
import type { Engine } from '../engine.ts';
import type { DefaultSchema } from './database-schema.ts';

/**
 * The engines' spellings of one thing made one, so that a type or default read from a
 * catalogue compares equal to what the models declare: PostgreSQL's `format_type` says
 * `timestamp with time zone` where the models say `timestamptz`, and it reports defaults with
 * casts (`'pending'::text`, `'-1'::integer`); SQLite keeps types and defaults as written.
 */

const POSTGRES_TYPE_ALIASES: Readonly<Record<string, string>> = {
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  bool: 'boolean',
  decimal: 'numeric',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
  'character varying': 'varchar',
  'double precision': 'float8',
  real: 'float4',
};

const KINDS: readonly ColumnKind[] = [
  'text',
  'integer',
  'bigint',
  'uuid',
  'uint256',
  'timestamp',
  'boolean',
  'json',
];

/** A SQL type in one spelling: lower case, single spaces, no spaces in `(78, 0)`, aliases resolved. */
export function normalizeType(engine: Engine, type: string): string {
  const text = type
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*\)/g, ')');
  if (engine === 'sqlite') return text;
  const match = /^([a-z0-9_ ]+?)(\(.*\))?(\[\])?$/.exec(text);
  if (!match) return text;
  const base = match[1] as string;
  return `${POSTGRES_TYPE_ALIASES[base] ?? base}${match[2] ?? ''}${match[3] ?? ''}`;
}

/**
 * The column kind a normalized type is written with. SQLite gives several kinds one type;
 * then the kind of that name (`text`, `integer`) is chosen and `guessed` is set.
 */
export function kindOfType(
  engine: Engine,
  type: string,
): { kind: ColumnKind | undefined; guessed: boolean } {
  const kinds = KINDS.filter((k) => normalizeType(engine, sqlTypeOf(engine, k)) === type);
  return { kind: kinds[0], guessed: kinds.length > 1 };
}

/** The default of a declared column, as it is compared with an introspected one. */
export function declaredDefault(engine: Engine, value: ServerDefault): DefaultSchema {
  return { sql: normalizeDefault(engine, defaultSqlOf(engine, value)), value };
}

/** The default read from a catalogue, with the declared form when a model could write it. */
export function introspectedDefault(engine: Engine, text: string): DefaultSchema {
  const normalized = normalizeDefault(engine, text);
  return { sql: normalized, value: parseDefault(engine, normalized) };
}

/** Whether two normalized defaults store the same value: `'0'` and `0` do, in any column. */
export function sameDefault(a: DefaultSchema | null, b: DefaultSchema | null): boolean {
  if (a === null || b === null) return a === b;
  return unquoteNumber(a.sql) === unquoteNumber(b.sql);
}

export function normalizeDefault(engine: Engine, text: string): string {
  let expression = unwrapParentheses(collapseSpaces(text.trim()));
  if (engine === 'postgres') {
    // `'x'::character varying`, `'-1'::integer`, `('0')::numeric`: the cast is the column's.
    for (;;) {
      const cast = /^(.*)::[a-z_][a-z0-9_ ]*(\([0-9, ]*\))?(\[\])?$/i.exec(expression);
      if (!cast || !isLiteral(unwrapParentheses(cast[1] as string))) break;
      expression = unwrapParentheses(cast[1] as string);
    }
    if (/^current_timestamp$/i.test(expression)) expression = 'now()';
  } else if (/^(true|false)$/i.test(expression)) {
    expression = /^true$/i.test(expression) ? '1' : '0';
  }
  return expression;
}

function parseDefault(engine: Engine, sqlText: string): ServerDefault | undefined {
  if (sqlText === normalizeDefault(engine, defaultSqlOf(engine, { kind: 'now' }))) {
    return { kind: 'now' };
  }
  if (/^'(?:[^']|'')*'$/.test(sqlText)) {
    return { kind: 'literal', value: sqlText.slice(1, -1).replaceAll("''", "'") };
  }
  if (/^-?\d+(\.\d+)?$/.test(sqlText)) return { kind: 'literal', value: Number(sqlText) };
  if (engine === 'postgres' && /^(true|false)$/.test(sqlText)) {
    return { kind: 'literal', value: sqlText === 'true' };
  }
  return undefined;
}

function isLiteral(text: string): boolean {
  return /^'(?:[^']|'')*'$/.test(text) || /^-?\d+(\.\d+)?$/.test(text);
}

function unquoteNumber(text: string): string {
  const match = /^'(-?\d+(\.\d+)?)'$/.exec(text);
  return match ? (match[1] as string) : text;
}

/** Outside quoted strings: lower case, no spaces around `(`, `)` and `,`, single spaces elsewhere. */
function collapseSpaces(text: string): string {
  return text
    .split(/('(?:[^']|'')*')/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .toLowerCase()
            .replace(/\s+/g, ' ')
            .replace(/\s*([(),])\s*/g, '$1'),
    )
    .join('');
}

/** `((x))` → `x`, but `(a) + (b)` stays: only parentheses that wrap the whole expression go. */
function unwrapParentheses(text: string): string {
  let current = text;
  while (current.startsWith('(') && current.endsWith(')') && wrapsWhole(current)) {
    current = current.slice(1, -1).trim();
  }
  return current;
}

function wrapsWhole(text: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}
