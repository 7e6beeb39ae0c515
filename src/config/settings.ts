import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { privateKeyToAddress } from 'viem/accounts';
import {
  checkMnemonic,
  checkXpub,
  DEVELOPMENT_MNEMONIC,
  isWellKnownMnemonic,
} from '../wallet/index.ts';
import { type ChainConfig, readChainsFile } from './chains-file.ts';
import type { DatabaseTarget } from './database-url.ts';
import { DatabaseUrlError, parseDatabaseUrl, redactUrlCredentials } from './database-url.ts';
import { Secret } from './secret.ts';
import { SettingsReader } from './settings-reader.ts';
import { readRawSettings, type SettingSource } from './sources.ts';

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
  readonly http: HttpSettings;
  /** Where deposit addresses come from (MNEMONIC, XPUB, or the development mnemonic). */
  readonly depositKeys: DepositKeySettings;
  /** The chains from CHAINS_FILE; empty when none is configured. */
  readonly chains: readonly ChainConfig[];
  readonly payments: PaymentSettings;
  readonly webhooks: WebhookSettings;
  readonly sweeper: SweeperSettings;
  readonly jobs: JobSettings;
  /** For `ctrip config`: each variable's printable value and where it came from. */
  readonly report: readonly SettingReport[];
}

export interface HttpSettings {
  readonly host: string;
  readonly port: number;
  /** The base of checkout links, without a trailing slash. */
  readonly publicUrl: string;
  /** Requests per minute per API key (per address without a key). */
  readonly rateLimitPerMinute: number;
  /** Origins allowed to call the API from a browser; empty: none (same-origin only). */
  readonly corsOrigins: readonly string[];
  /**
   * Which proxies' X-Forwarded-For to believe (TRUST_PROXY), as Fastify's `trustProxy` takes
   * it: false (none: the client is the peer), true (any), a hop count, or addresses/CIDRs.
   * Behind a reverse proxy the client's address (rate limits, logs) comes from this.
   */
  readonly trustProxy: boolean | number | readonly string[];
}

export type DepositKeySettings =
  | { readonly kind: 'mnemonic'; readonly mnemonic: Secret; readonly development: boolean }
  | { readonly kind: 'xpub'; readonly xpub: string };

export interface PaymentSettings {
  /** How long a new payment waits for its money unless the merchant says otherwise. */
  readonly defaultLifetimeSeconds: number;
  /** How long after expiry the address is still scanned, so late money is recorded. */
  readonly lateWindowSeconds: number;
  /** `accept`: late money that completes a payment confirms it; `flag`: it stays expired. */
  readonly latePayments: 'accept' | 'flag';
}

export interface WebhookSettings {
  /**
   * Whether endpoint URLs may resolve to loopback, private or link-local addresses
   * (WEBHOOK_ALLOW_PRIVATE_URLS). Off in production unless set: such URLs reach the
   * operator's own network (SSRF). On elsewhere, so local receivers work in development.
   */
  readonly allowPrivateUrls: boolean;
  /** How long one delivery attempt may take, connection to last byte. */
  readonly timeoutMs: number;
  /** An endpoint whose deliveries have all failed for this long is disabled. */
  readonly disableAfterFailingMs: number;
}

export interface SweeperSettings {
  /** Where swept funds go (lower-case hex): TREASURY_ADDRESS, else the hot wallet's address. */
  readonly treasuryAddress: `0x${string}` | undefined;
  /** SWEEP_ENABLED: an operator can keep the money at the deposit addresses. */
  readonly enabled: boolean;
}

export interface JobSettings {
  /** How long a stopping worker waits for the jobs in hand before handing them back. */
  readonly shutdownTimeoutMs: number;
  /** How many jobs (webhook deliveries above all) one worker process runs at once. */
  readonly concurrency: number;
  /**
   * JOBS_QUEUE_PREFIX: the prefix of the job queue's Redis keys, so gateways (or test runs)
   * sharing one Redis keep apart.
   */
  readonly queuePrefix: string;
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
  const rateLimitPerMinute = reader.integer('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000);
  const corsOrigins = splitList(reader.string('CORS_ORIGINS', '', checkOriginList));
  const trustProxy = parseTrustProxy(reader.string('TRUST_PROXY', 'false', checkTrustProxy));
  const depositKeys = readDepositKeys(reader, production);
  const chainsFile = reader.string('CHAINS_FILE', '');
  const chains = chainsFile
    ? reader.file('CHAINS_FILE', resolve(cwd, chainsFile), readChainsFile)
    : [];
  const payments: PaymentSettings = Object.freeze({
    defaultLifetimeSeconds: reader.integer('PAYMENT_EXPIRES_IN_SECONDS', 1800, 60, 30 * 86_400),
    lateWindowSeconds: reader.integer('LATE_PAYMENT_WINDOW_SECONDS', 86_400, 0, 365 * 86_400),
    latePayments: reader.oneOf('LATE_PAYMENTS', ['accept', 'flag'], 'accept'),
  });

  const webhooks: WebhookSettings = Object.freeze({
    allowPrivateUrls: reader.boolean('WEBHOOK_ALLOW_PRIVATE_URLS', !production),
    timeoutMs: reader.integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    disableAfterFailingMs:
      reader.integer('WEBHOOK_DISABLE_AFTER_FAILING_DAYS', 5, 1, 365) * 86_400_000,
  });
  const treasury = reader.string('TREASURY_ADDRESS', '', checkAddress);
  const sweeper: SweeperSettings = Object.freeze({
    treasuryAddress: treasury
      ? (treasury.toLowerCase() as `0x${string}`)
      : privateKey && !checkPrivateKey(privateKey.reveal())
        ? (privateKeyToAddress(hexKey(privateKey.reveal())).toLowerCase() as `0x${string}`)
        : undefined,
    enabled: reader.boolean('SWEEP_ENABLED', true),
  });
  const jobs: JobSettings = Object.freeze({
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    concurrency: reader.integer('WORKER_CONCURRENCY', 10, 1, 1000),
    queuePrefix: reader.string('JOBS_QUEUE_PREFIX', 'ctrip', checkQueuePrefix),
  });

  reader.throwIfInvalid();
  return Object.freeze({
    env: environment,
    cwd,
    database: Object.freeze(database as DatabaseSettings),
    redisUrl,
    privateKey,
    secretKey,
    logLevel,
    http: Object.freeze({
      host,
      port,
      publicUrl: publicUrl.replace(/\/+$/, ''),
      rateLimitPerMinute,
      corsOrigins: Object.freeze(corsOrigins),
      trustProxy,
    }),
    depositKeys,
    chains: Object.freeze(chains ?? []),
    payments,
    webhooks,
    sweeper,
    jobs,
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

function readDepositKeys(reader: SettingsReader, production: boolean): DepositKeySettings {
  const mnemonic = reader.secret('MNEMONIC', {
    check: (value) =>
      checkMnemonic(value) ??
      (production && isWellKnownMnemonic(value)
        ? 'is a published test mnemonic; anyone could take the money sent to its addresses'
        : undefined),
  });
  // Read as a secret although an xpub is not one: a mistaken value (an xprv, a mnemonic) must
  // not be echoed in an error message. A valid xpub is printed by `ctrip config`.
  const xpub = reader
    .secret('XPUB', {
      check: checkXpub,
      printable: (value) => (checkXpub(value) ? '[invalid, hidden]' : value.trim()),
    })
    ?.reveal();
  if (mnemonic && xpub) {
    reader.problem(
      'XPUB',
      'and MNEMONIC are both set; set one (XPUB alone keeps private keys out of this process)',
    );
  }
  if (xpub) return Object.freeze({ kind: 'xpub', xpub: xpub.trim() });
  if (mnemonic) return Object.freeze({ kind: 'mnemonic', mnemonic, development: false });
  if (production) {
    reader.problem(
      'MNEMONIC',
      'or XPUB is required in production (where deposit addresses come from)',
    );
  }
  return Object.freeze({
    kind: 'mnemonic',
    mnemonic: reader.defaulted('MNEMONIC', new Secret(DEVELOPMENT_MNEMONIC)),
    development: true,
  });
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

/** A private key as viem takes it: 0x-prefixed hex. */
export function hexKey(value: string): `0x${string}` {
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  return `0x${hex}`;
}

function checkAddress(value: string): string | undefined {
  return value === '' || /^0x[0-9a-fA-F]{40}$/.test(value)
    ? undefined
    : 'must be an address: 0x followed by 40 hex digits';
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

function checkQueuePrefix(value: string): string | undefined {
  return /^[A-Za-z0-9_-]{1,64}$/.test(value)
    ? undefined
    : 'must be 1 to 64 letters, digits, - or _ (e.g. ctrip)';
}

function checkRedisUrl(value: string): string | undefined {
  return /^rediss?:\/\/[^\s]+$/.test(value)
    ? undefined
    : 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)';
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function checkTrustProxy(value: string): string | undefined {
  const text = value.trim().toLowerCase();
  if (['true', 'false', ''].includes(text) || /^\d{1,2}$/.test(text)) return undefined;
  const bad = splitList(text).filter((entry) => {
    if (PROXY_NAMES.includes(entry)) return false;
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return true;
    if (bits === undefined) return false;
    const max = family === 4 ? 32 : 128;
    return !/^\d{1,3}$/.test(bits) || Number(bits) > max;
  });
  return bad.length > 0
    ? `must be true, false, a number of proxies, or addresses/CIDRs separated by commas (e.g. 10.0.0.0/8,loopback); not one: ${bad.join(', ')}`
    : undefined;
}

function parseTrustProxy(value: string): boolean | number | readonly string[] {
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false' || text === '' || checkTrustProxy(text)) return false;
  if (/^\d{1,2}$/.test(text)) return Number(text);
  return Object.freeze(splitList(text));
}

function checkOriginList(value: string): string | undefined {
  const bad = splitList(value).filter((origin) => {
    if (origin === '*') return false;
    try {
      const url = new URL(origin);
      return url.origin !== origin || !/^https?:$/.test(url.protocol);
    } catch {
      return true;
    }
  });
  return bad.length > 0
    ? `must be origins separated by commas (e.g. https://shop.example,https://admin.example) or *; not an origin: ${bad.join(', ')}`
    : undefined;
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
