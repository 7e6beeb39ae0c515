import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCtrip } from '../../test/cli.ts';
import { ConfigError } from './errors.ts';
import { DEVELOPMENT_SECRET_KEY, loadSettings } from './settings.ts';

const PRIVATE_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const SECRET_KEY = 'k9X2vQ7mL4pR8sT1wY6zA3bC5dE0fG2hJ4kM7nP9qR';
/** A freshly generated mnemonic (never funded) and its account xpub (m/44'/60'/0'). */
const MNEMONIC =
  'program spice invite spend opera clutch hurdle addict retire chest another become';
const XPUB =
  'xpub6DWkdnA5gTHCc1LueTYZEr5zLZ3FdRgXMHWPNTLAJE96v3jvj3wX4uDEzTE7gwpJ85N9AVXikDGVwyLEzdsww6TcNtiXag8UZzYMCXy7Dbn';
const PRODUCTION = {
  ENV: 'production',
  DATABASE_URL: 'postgresql://ctrip:s3cret-pw@db.internal:5432/ctrip',
  PRIVATE_KEY,
  SECRET_KEY,
  XPUB,
};

function load(env: Record<string, string>, cwd = '/srv/ctrip') {
  return loadSettings({ env, cwd, envFile: null });
}

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the settings to be refused');
}

describe('settings', () => {
  it('defaults to development on the embedded SQLite file', () => {
    const settings = load({});
    expect(settings.env).toBe('development');
    expect(settings.database.target).toEqual({
      engine: 'sqlite',
      filename: '/srv/ctrip/data/ctrip.db',
    });
    expect(settings.database.poolSize).toBe(20);
    expect(settings.secretKey.reveal()).toBe(DEVELOPMENT_SECRET_KEY);
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each([
    ['postgresql://u:p@h:5433/db', 'postgres', 'h', 5433, 'db'],
    ['postgres://u@h/db', 'postgres', 'h', 5432, 'db'],
    ['postgresql+asyncpg://u:p@h/db', 'postgres', 'h', 5432, 'db'],
    ['postgresql+psycopg2://u:p@h/db?sslmode=require', 'postgres', 'h', 5432, 'db'],
  ])('reads the PostgreSQL URL %s', (url, engine, host, port, database) => {
    const target = load({ DATABASE_URL_DEV: url }).database.target;
    expect(target).toMatchObject({ engine, host, port, database });
    if (target.engine === 'postgres') expect(target.connectionString).toMatch(/^postgresql:\/\//);
  });

  it.each([
    ['sqlite:///relative/x.db', '/srv/ctrip/relative/x.db'],
    ['sqlite:////abs/x.db', '/abs/x.db'],
    ['sqlite+aiosqlite:///./data/app.db', '/srv/ctrip/data/app.db'],
    ['sqlite://:memory:', ':memory:'],
    ['sqlite:///:memory:', ':memory:'],
    ['sqlite://', ':memory:'],
  ])('reads the SQLite URL %s', (url, filename) => {
    expect(load({ DATABASE_URL_DEV: url }).database.target).toEqual({ engine: 'sqlite', filename });
  });

  it('uses DATABASE_URL in production and DATABASE_URL_DEV otherwise', () => {
    const both = { DATABASE_URL: PRODUCTION.DATABASE_URL, DATABASE_URL_DEV: 'sqlite:///dev.db' };
    expect(load({ ...both, ENV: 'testing' }).database.target.engine).toBe('sqlite');
    expect(load({ ...PRODUCTION, ...both }).database.target.engine).toBe('postgres');
  });

  it('accepts a private key with or without 0x and hides it when printed', () => {
    const settings = load({ PRIVATE_KEY: PRIVATE_KEY.slice(2) });
    expect(settings.privateKey?.reveal()).toBe(PRIVATE_KEY.slice(2));
    expect(String(settings.privateKey)).toBe('[redacted]');
    expect(JSON.stringify(settings)).not.toContain(PRIVATE_KEY.slice(2));
  });

  it('reports where each value came from: env, .env or default', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ctrip-config-'));
    writeFileSync(join(cwd, '.env'), 'PORT=9000\nLOG_LEVEL=debug\n');
    const settings = loadSettings({ env: { LOG_LEVEL: 'warn' }, cwd });
    const source = (name: string) => settings.report.find((r) => r.variable === name);
    expect(settings.http.port).toBe(9000);
    expect(settings.logLevel).toBe('warn');
    expect(source('PORT')).toMatchObject({ value: '9000', source: '.env' });
    expect(source('LOG_LEVEL')).toMatchObject({ value: 'warn', source: 'env' });
    expect(source('HOST')).toMatchObject({ value: '127.0.0.1', source: 'default' });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'an unknown ENV',
      { ENV: 'staging' },
      /^ENV: must be one of development, production, testing \(got "staging"\)$/,
    ],
    [
      'a non-numeric pool size',
      { DB_POOL_SIZE: 'many' },
      /^DB_POOL_SIZE: must be a whole number from 1 to 1000 \(got "many"\)$/,
    ],
    [
      'a zero pool size',
      { DB_POOL_SIZE: '0' },
      /^DB_POOL_SIZE: must be a whole number from 1 to 1000/,
    ],
    ['a bad port', { PORT: '70000' }, /^PORT: must be a whole number from 1 to 65535/],
    ['a bad log level', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of fatal, error, warn/],
    [
      'a MySQL URL',
      { DATABASE_URL_DEV: 'mysql://u@h/db' },
      /^DATABASE_URL_DEV: uses the unsupported scheme 'mysql'/,
    ],
    [
      'a URL with no database',
      { DATABASE_URL_DEV: 'postgresql://u@h' },
      /^DATABASE_URL_DEV: names no database/,
    ],
    [
      'a garbled URL',
      { DATABASE_URL_DEV: 'not a url' },
      /^DATABASE_URL_DEV: is not a database URL/,
    ],
    ['a short private key', { PRIVATE_KEY: '0x1234' }, /^PRIVATE_KEY: must be 32 bytes of hex/],
    [
      'a zero private key',
      { PRIVATE_KEY: `0x${'0'.repeat(64)}` },
      /^PRIVATE_KEY: is not a valid secp256k1 private key/,
    ],
    [
      'a key above the curve order',
      { PRIVATE_KEY: `0x${'f'.repeat(64)}` },
      /^PRIVATE_KEY: is not a valid secp256k1 private key/,
    ],
    [
      'a bad Redis URL',
      { REDIS_URL: 'localhost:6379' },
      /^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [
      'a bad public URL',
      { PUBLIC_URL: 'ftp://x' },
      /^PUBLIC_URL: must be an http:\/\/ or https:\/\/ URL/,
    ],
  ])('refuses %s with one line naming the variable', (_, env, message) => {
    const lines = problems(env);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no DATABASE_URL', { DATABASE_URL: '' }, /^DATABASE_URL: is required in production/],
    [
      'a memory database',
      { DATABASE_URL: 'sqlite://:memory:' },
      /^DATABASE_URL: is a memory database/,
    ],
    ['no PRIVATE_KEY', { PRIVATE_KEY: '' }, /^PRIVATE_KEY: is required in production/],
    ['no SECRET_KEY', { SECRET_KEY: '' }, /^SECRET_KEY: is required in production/],
    [
      'the development SECRET_KEY',
      { SECRET_KEY: DEVELOPMENT_SECRET_KEY },
      /^SECRET_KEY: is the development default/,
    ],
    [
      'a short SECRET_KEY',
      { SECRET_KEY: 'short-but-secret' },
      /^SECRET_KEY: is shorter than 32 bytes/,
    ],
  ])('refuses to start production with %s', (_, override, message) => {
    const lines = problems({ ...PRODUCTION, ...override });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('refuses production without MNEMONIC or XPUB, with a published test mnemonic, or with both', () => {
    const { XPUB: _, ...withoutKeys } = PRODUCTION;
    expect(problems(withoutKeys)).toEqual([
      'MNEMONIC: or XPUB is required in production (where deposit addresses come from)',
    ]);
    const junk = 'test test test test test test test test test test test junk';
    expect(problems({ ...withoutKeys, MNEMONIC: junk })).toEqual([
      'MNEMONIC: is a published test mnemonic; anyone could take the money sent to its addresses',
    ]);
    expect(problems({ ...PRODUCTION, MNEMONIC })[0]).toMatch(/^XPUB: and MNEMONIC are both set/);
  });

  it('takes deposit keys from XPUB or MNEMONIC, and the development mnemonic only outside production', () => {
    expect(load(PRODUCTION).depositKeys).toEqual({ kind: 'xpub', xpub: XPUB });
    const { XPUB: _, ...withoutKeys } = PRODUCTION;
    const fromMnemonic = load({ ...withoutKeys, MNEMONIC }).depositKeys;
    expect(fromMnemonic.kind === 'mnemonic' && fromMnemonic.mnemonic.reveal()).toBe(MNEMONIC);
    const development = load({}).depositKeys;
    expect(development.kind === 'mnemonic' && development.development).toBe(true);
  });

  it('names a bad mnemonic without echoing its words', () => {
    const lines = problems({
      MNEMONIC:
        'program spice invite spend opera clutch hurdle addict retire chest another another',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^MNEMONIC: /);
    expect(lines[0]).not.toContain('spice');
  });

  it('reads the chains from CHAINS_FILE relative to the working directory, and reports its problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrip-chains-'));
    writeFileSync(
      join(dir, 'chains.yaml'),
      [
        '- name: local',
        '  chain_id: 31337',
        '  rpc_urls: [http://127.0.0.1:8545]',
        '  confirmations: 2',
        '  native: { symbol: ETH }',
      ].join('\n'),
    );
    const settings = load({ CHAINS_FILE: 'chains.yaml' }, dir);
    expect(settings.chains.map((c) => [c.name, c.chainId])).toEqual([['local', 31337]]);
    expect(load({}, dir).chains).toEqual([]);
    const lines = problems({ CHAINS_FILE: join(dir, 'missing.yaml') });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^CHAINS_FILE: .*missing\.yaml/);
  });

  it('reads payment lifetimes and the late-payment policy', () => {
    expect(load({}).payments).toEqual({
      defaultLifetimeSeconds: 1800,
      lateWindowSeconds: 86_400,
      latePayments: 'accept',
    });
    const custom = load({
      PAYMENT_EXPIRES_IN_SECONDS: '600',
      LATE_PAYMENT_WINDOW_SECONDS: '0',
      LATE_PAYMENTS: 'flag',
    });
    expect(custom.payments).toEqual({
      defaultLifetimeSeconds: 600,
      lateWindowSeconds: 0,
      latePayments: 'flag',
    });
    expect(problems({ LATE_PAYMENTS: 'maybe' })).toEqual([
      'LATE_PAYMENTS: must be one of accept, flag (got "maybe")',
    ]);
  });

  it('reads TRUST_PROXY as none, all, a hop count or addresses, and refuses anything else', () => {
    expect(load({}).http.trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: '10.0.0.0/8, loopback,::1' }).http.trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
      '::1',
    ]);
    expect(problems({ TRUST_PROXY: '10.0.0.0/40,proxy.example' })).toEqual([
      expect.stringMatching(
        /^TRUST_PROXY: must be true, false, a number of proxies, or addresses\/CIDRs .*not one: 10\.0\.0\.0\/40, proxy\.example/,
      ),
    ]);
  });

  it('lists every problem at once and never a secret value', () => {
    const lines = problems({
      ENV: 'production',
      XPUB,
      DATABASE_URL: 'mysql://root:hunter2-db-pass@h/db',
      PRIVATE_KEY: 'nothex-but-secret-material',
      SECRET_KEY: 'tiny-secret-value',
      REDIS_URL: 'redis-pass-in-bad-url',
    });
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
      'PRIVATE_KEY',
      'SECRET_KEY',
    ]);
    const text = lines.join('\n');
    for (const secret of [
      'hunter2-db-pass',
      'nothex-but-secret-material',
      'tiny-secret-value',
      'redis-pass-in-bad-url',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('ctrip config', () => {
  it('prints effective settings with secrets redacted', async () => {
    const result = await runCtrip(['config', '--json'], {
      ENV: 'production',
      MNEMONIC,
      DATABASE_URL: 'postgresql://ctrip:s3cret-pw@db.internal:5432/ctrip',
      PRIVATE_KEY,
      SECRET_KEY,
      REDIS_URL: 'redis://:redis-pw@cache:6379',
    });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as {
      env: string;
      settings: { variable: string; value: string | null; source: string }[];
    };
    expect(printed.env).toBe('production');
    const value = (name: string) => printed.settings.find((s) => s.variable === name)?.value;
    expect(value('DATABASE_URL')).toBe('postgresql://ctrip:***@db.internal:5432/ctrip');
    expect(value('REDIS_URL')).toBe('redis://:***@cache:6379');
    expect(value('PRIVATE_KEY')).toBe('[redacted]');
    expect(value('SECRET_KEY')).toBe('[redacted]');
    expect(value('MNEMONIC')).toBe('[redacted]');
    for (const secret of ['s3cret-pw', 'redis-pw', PRIVATE_KEY.slice(2), SECRET_KEY, 'spice']) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it('exits 2 with one line per invalid setting and no secret in the output', async () => {
    const result = await runCtrip(['config'], {
      ENV: 'production',
      XPUB,
      DATABASE_URL: 'postgresql://ctrip:s3cret-pw@db.internal:5432/ctrip',
      PRIVATE_KEY: 'zz-not-a-key-but-secret',
      SECRET_KEY: DEVELOPMENT_SECRET_KEY,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'error: PRIVATE_KEY: must be 32 bytes of hex (64 hex digits, with or without 0x)',
      'error: SECRET_KEY: is the development default; set a random value of at least 32 bytes in production',
    ]);
    expect(result.stderr).not.toContain('zz-not-a-key-but-secret');
    expect(result.stderr).not.toContain('s3cret-pw');
  });
});
