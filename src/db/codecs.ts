import type { ColumnKind } from './columns.ts';
import type { Engine } from './engine.ts';
import { InvalidColumnValueError } from './errors.ts';
import { isUint256, parseUint256 } from './uint256.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

type Encoder = (value: unknown, table: string, column: string) => unknown;
type Decoder = (value: unknown) => unknown;

export interface EngineCodecs {
  /** Validates a value written to a column of this kind and converts it for the driver. */
  readonly encode: Readonly<Record<ColumnKind, Encoder>>;
  /** Converts what the driver returned for a column of this kind to its TypeScript type. */
  readonly decode: Readonly<Partial<Record<ColumnKind, Decoder>>>;
}

const identity: Encoder = (value) => value;

function encodeUint256(value: unknown, table: string, column: string): unknown {
  if (value === null || isUint256(value)) return value === null ? null : value.toString();
  throw new InvalidColumnValueError(
    table,
    column,
    'a uint256 (a bigint from 0 to 2^256 − 1)',
    value,
  );
}

function encodeInt64(value: unknown, table: string, column: string): unknown {
  if (value === null) return null;
  if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new InvalidColumnValueError(table, column, 'a 64-bit integer (bigint)', value);
}

function encodeInteger(value: unknown, table: string, column: string): unknown {
  if (value === null || (typeof value === 'number' && Number.isInteger(value))) return value;
  throw new InvalidColumnValueError(table, column, 'an integer', value);
}

function checkDate(value: unknown, table: string, column: string): Date | null {
  if (value === null) return null;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  throw new InvalidColumnValueError(table, column, 'a valid Date', value);
}

function encodeJson(value: unknown): unknown {
  return value === null ? null : JSON.stringify(value);
}

const toBigInt: Decoder = (value) =>
  typeof value === 'string' || typeof value === 'number' ? BigInt(value) : value;

/**
 * PostgreSQL: numeric and int8 come back as strings, jsonb already parsed; timestamptz as
 * Date. JSON is sent as text so that arrays are not taken for PostgreSQL arrays.
 */
const postgres: EngineCodecs = {
  encode: {
    uuid: identity,
    text: identity,
    integer: encodeInteger,
    bigint: encodeInt64,
    uint256: encodeUint256,
    timestamp: checkDate,
    boolean: identity,
    json: encodeJson,
  },
  decode: { bigint: toBigInt, uint256: toBigInt },
};

/**
 * SQLite: uint256 is canonical decimal TEXT (its numeric affinity would turn values above
 * 2^63 into floats), timestamps ISO-8601 TEXT in UTC (so text order is time order), booleans
 * 0/1, JSON text.
 */
const sqlite: EngineCodecs = {
  encode: {
    uuid: identity,
    text: identity,
    integer: encodeInteger,
    bigint: encodeInt64,
    uint256: encodeUint256,
    timestamp: (value, table, column) => checkDate(value, table, column)?.toISOString() ?? null,
    boolean: (value) => (value === null ? null : value ? 1 : 0),
    json: encodeJson,
  },
  decode: {
    bigint: toBigInt,
    uint256: (value) => (typeof value === 'string' ? parseUint256(value) : value),
    timestamp: (value) => (typeof value === 'string' ? new Date(value) : value),
    boolean: (value) => (typeof value === 'number' ? value !== 0 : value),
    json: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  },
};

export const codecs: Readonly<Record<Engine, EngineCodecs>> = { postgres, sqlite };
