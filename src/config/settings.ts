import { resolve } from 'node:path';
import type { DatabaseTarget } from './database-url.ts';
import { DatabaseUrlError, parseDatabaseUrl, redactUrlCredentials } from './database-url.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { Secret } from './secret.ts';
import { type RawValue, readRawSettings, type SettingSource } from './sources.ts';

export type Environment = 'development' | 'production' | 'testing';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface DatabaseSettings {
  readonly target: DatabaseTarget;
  /** Which variable the URL came from, for messages. */
  readonly urlVariable: 'DATABASE_URL' | 'DATABASE_URL_DEV';
  /** The URL with its password replaced: safe to print. */
  readonly redactedUrl: string;
  readonly poolSize: number;
  readonly poolTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly sqliteBusyTimeoutMs: number;
  readonly migrationLockTimeoutMs: number;
  /** Tables `ctrip migrate check` and autogenerate leave alone (MIGRATE_IGNORE_TABLES). */
  readonly migrateIgnoreTables: readonly string[];
}

/** Every setting of the process: validated once at start-up, frozen, passed down in `deps`. */
export interface Settings {
  readonly env: Environment;
  readonly cwd: string;
  readonly database: DatabaseSettings;
  readonly redisUrl: Secret | undefined;
  readonly privateKey: Secret | undefined;
  readonly secretKey: Secret;
  readonly logLevel: LogLevel;
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl: string };
  /** For `ctrip config`: each variable's printable value and where it came from. */
  readonly report: readonly SettingReport[];
}

export interface SettingReport {
  readonly variable: string;
  readonly value: string | null;
  readonly source: SettingSource;
  readonly secret: boolean;
}

export interface LoadSettingsOptions {
  /** The environment to read; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The working directory relative paths resolve against; `process.cwd()` by default. */
  readonly cwd?: string;
  /** The `.env` file; `<cwd>/.env` by default, `null` for none. */
  readonly envFile?: string | null;
}

/** The development secret: accepted outside production only. */
export const DEVELOPMENT_SECRET_KEY = 'ctrip-development-secret-key-not-for-production-use';
const MIN_SECRET_KEY_BYTES = 32;
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/**
 * Builds the settings from the environment and `.env`. Throws a `ConfigError` listing every
 * invalid variable (never a secret's value) when anything is wrong.
 */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  // The one place that reads process.env: everything else gets Settings.
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envFile = options.envFile === null ? undefined : (options.envFile ?? resolve(cwd, '.env'));
  const reader = new SettingsReader(readRawSettings(env, envFile));

  const environment = reader.oneOf('ENV', ['development', 'production', 'testing'], 'development');
  const production = environment === 'production';

  const database = readDatabase(reader, production, cwd);
  const redisUrl = reader.secret('REDIS_URL', {
    check: checkRedisUrl,
    printable: redactUrlCredentials,
  });
  const privateKey = reader.secret('PRIVATE_KEY', {
    required: production ? 'is required in production (the hot wallet that pays sweep gas)' : '',
    check: checkPrivateKey,
  });
  const secretKey =
    reader.secret('SECRET_KEY', {
      required: production ? 'is required in production' : '',
      check: (value) => checkSecretKey(value, production),
    }) ?? reader.defaulted('SECRET_KEY', new Secret(DEVELOPMENT_SECRET_KEY));

  const host = reader.string('HOST', '127.0.0.1');
  const port = reader.integer('PORT', 8000, 1, 65_535);
  const publicUrl = reader.string('PUBLIC_URL', `http://${host}:${port}`, checkHttpUrl);
  const logLevel = reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

  reader.throwIfInvalid();
  return Object.freeze({
    env: environment,
    cwd,
    database: Object.freeze(database as DatabaseSettings),
    redisUrl,
    privateKey,
    secretKey,
    logLevel,
    http: Object.freeze({ host, port, publicUrl: publicUrl.replace(/\/+$/, '') }),
    report: Object.freeze(reader.report()),
  });
}

function readDatabase(reader: SettingsReader, production: boolean, cwd: string) {
  const urlVariable = production ? 'DATABASE_URL' : 'DATABASE_URL_DEV';
  let target: DatabaseTarget | undefined;
  let redactedUrl = '';
  const check = (url: string): string | undefined => {
    try {
      target = parseDatabaseUrl(url, cwd);
      redactedUrl = redactUrlCredentials(url);
    } catch (error) {
      if (error instanceof DatabaseUrlError) return error.message;
      throw error;
    }
    if (production && target.engine === 'sqlite' && target.filename === ':memory:') {
      return 'is a memory database; production data must outlive the process';
    }
    return undefined;
  };
  if (production) {
    reader.secret('DATABASE_URL', {
      required: 'is required in production (e.g. postgresql://ctrip@db:5432/ctrip)',
      check,
      printable: redactUrlCredentials,
    });
    reader.secret('DATABASE_URL_DEV', { printable: redactUrlCredentials });
  } else {
    reader.secret('DATABASE_URL', { printable: redactUrlCredentials });
    reader.secret('DATABASE_URL_DEV', {
      fallback: 'sqlite:///./data/ctrip.db',
      check,
      printable: redactUrlCredentials,
    });
  }
  return {
    target: target as DatabaseTarget,
    urlVariable,
    redactedUrl,
    poolSize: reader.integer('DB_POOL_SIZE', 20, 1, 1000),
    poolTimeoutMs: reader.integer('DB_POOL_TIMEOUT_MS', 30_000, 1, 3_600_000),
    statementTimeoutMs: reader.integer('DB_STATEMENT_TIMEOUT_MS', 30_000, 0, 86_400_000),
    idleTimeoutMs: reader.integer('DB_IDLE_TIMEOUT_MS', 60_000, 0, 86_400_000),
    sqliteBusyTimeoutMs: reader.integer('SQLITE_BUSY_TIMEOUT_MS', 5_000, 0, 3_600_000),
    migrationLockTimeoutMs: reader.integer('MIGRATION_LOCK_TIMEOUT_MS', 300_000, 1, 86_400_000),
    migrateIgnoreTables: Object.freeze(
      splitList(reader.string('MIGRATE_IGNORE_TABLES', '', checkTableList)),
    ),
  };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

function checkTableList(value: string): string | undefined {
  const bad = splitList(value).filter((name) => !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name));
  return bad.length > 0
    ? `must be table names separated by commas (e.g. audit_log,legacy_sessions); not a table name: ${bad.join(', ')}`
    : undefined;
}

function checkPrivateKey(value: string): string | undefined {
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    return 'must be 32 bytes of hex (64 hex digits, with or without 0x)';
  }
  const scalar = BigInt(`0x${hex}`);
  if (scalar === 0n || scalar >= SECP256K1_ORDER) {
    return 'is not a valid secp256k1 private key (it must be above 0 and below the curve order)';
  }
  return undefined;
}

function checkSecretKey(value: string, production: boolean): string | undefined {
  if (!production) return undefined;
  if (value === DEVELOPMENT_SECRET_KEY) {
    return 'is the development default; set a random value of at least 32 bytes in production';
  }
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_KEY_BYTES) {
    return `is shorter than ${MIN_SECRET_KEY_BYTES} bytes; production needs a random value of at least ${MIN_SECRET_KEY_BYTES} bytes (e.g. openssl rand -hex 32)`;
  }
  return undefined;
}

function checkRedisUrl(value: string): string | undefined {
  return /^rediss?:\/\/[^\s]+$/.test(value)
    ? undefined
    : 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)';
}

function checkHttpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // falls through to the message
  }
  return 'must be an http:// or https:// URL';
}

interface SecretOptions {
  /** Non-empty: the message when the variable is missing. */
  readonly required?: string;
  readonly fallback?: string;
  readonly check?: (value: string) => string | undefined;
  /** How to print the value in `ctrip config` (e.g. a URL without its password); hidden otherwise. */
  readonly printable?: (value: string) => string;
}

/** Reads variables one by one, collecting every problem and what `ctrip config` shows. */
class SettingsReader {
  readonly #raw: ReadonlyMap<string, RawValue>;
  readonly #issues: ConfigIssue[] = [];
  readonly #report: SettingReport[] = [];

  constructor(raw: ReadonlyMap<string, RawValue>) {
    this.#raw = raw;
  }

  string(name: string, fallback: string, check?: (value: string) => string | undefined): string {
    const raw = this.#raw.get(name);
    const value = raw?.value ?? fallback;
    this.#note(name, value, raw?.source ?? 'default', false);
    const problem = check?.(value);
    if (problem) this.#issue(name, `${problem} (got ${JSON.stringify(value)})`);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name, fallback);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.#issue(name, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.string(name, String(fallback));
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      this.#issue(
        name,
        `must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`,
      );
      return fallback;
    }
    return value;
  }

  /** A secret is never echoed: problems say what is wrong, not what was given. */
  secret(name: string, options: SecretOptions = {}): Secret | undefined {
    const raw = this.#raw.get(name);
    const value = raw?.value ?? options.fallback;
    const source = raw ? raw.source : 'default';
    if (value === undefined) {
      this.#note(name, null, 'default', true);
      if (options.required) this.#issue(name, options.required);
      return undefined;
    }
    this.#note(name, options.printable ? options.printable(value) : '[redacted]', source, true);
    const problem = options.check?.(value);
    if (problem) this.#issue(name, problem);
    return new Secret(value);
  }

  /** Records that a secret took its default (which the caller supplies). */
  defaulted(name: string, value: Secret): Secret {
    const entry = this.#report.find((r) => r.variable === name);
    if (entry) Object.assign(entry, { source: 'default', value: '[development default]' });
    return value;
  }

  throwIfInvalid(): void {
    if (this.#issues.length > 0) throw new ConfigError(this.#issues);
  }

  report(): SettingReport[] {
    return this.#report.map((r) => Object.freeze({ ...r }));
  }

  /** `value` is already safe to print. */
  #note(variable: string, value: string | null, source: SettingSource, secret: boolean): void {
    this.#report.push({ variable, value, source, secret });
  }

  #issue(variable: string, message: string): void {
    this.#issues.push({ variable, message });
  }
}
