import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engines, type OpenDatabase, setupMigratedDatabase } from '../../test/database.ts';
import { Secret } from '../config/secret.ts';
import { CtripError } from '../errors.ts';
import { createStore, DEFAULT_STORE_NAME, findStore } from '../stores/index.ts';
import {
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  parseScopes,
  revokeApiKey,
} from './api-key-store.ts';
import { ApiKeyError } from './errors.ts';

const PEPPER = new Secret('test-pepper-4f1c9a7e2b8d6035a1e9c7b3d5f2a8e0');
const OTHER_PEPPER = new Secret('another-pepper-9e2d7c5b3a1f8e6d4c2b0a9f7e5d3c1b');
const NOW = new Date('2030-01-01T00:00:00.000Z');

/** The error `fn` throws; fails the test if it returns. */
async function errorOf(fn: () => unknown): Promise<CtripError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CtripError);
    return error as CtripError;
  }
  throw new Error('expected an error, got none');
}

/** Replaces one character of the key's secret part, keeping its length and alphabet. */
function withWrongSecret(key: string): string {
  const last = key.at(-1) === 'A' ? 'B' : 'A';
  return `${key.slice(0, -1)}${last}`;
}

describe('parseScopes', () => {
  it('gives payments:read and payments:write when no scopes are named', () => {
    expect(parseScopes(undefined)).toEqual(['payments:read', 'payments:write']);
    expect(parseScopes('  ')).toEqual(['payments:read', 'payments:write']);
  });

  it('reads a comma-separated list, trimming spaces and dropping repeats', () => {
    expect(parseScopes(' webhooks:manage, payments:read ,webhooks:manage,')).toEqual([
      'webhooks:manage',
      'payments:read',
    ]);
  });

  it('refuses an unknown scope, naming it and the valid ones', async () => {
    const error = await errorOf(() => parseScopes('payments:read,payments:refund'));
    expect(error.code).toBe('API_KEY_INVALID_SCOPE');
    expect(error.message).toBe(
      'unknown scope payments:refund; scopes are payments:read, payments:write, webhooks:manage',
    );
  });
});

describe.each(engines)('API keys on %s', (engine) => {
  let opened: OpenDatabase;
  // One migrated database per engine; each test makes a store of its own and looks only at
  // that store's keys, so tests stay independent without paying for a migration each.
  let storeId: string;
  let storeCount = 0;

  beforeAll(async () => {
    opened = await setupMigratedDatabase(engine);
  });
  afterAll(async () => {
    await opened?.teardown();
  });
  beforeEach(async () => {
    storeCount += 1;
    storeId = (await createStore(db(), `store ${storeCount}`)).id;
  });

  const db = () => opened.handle.db;
  const keysOfStore = (id = storeId) => listApiKeys(db(), { storeId: id });
  const create = (fields: { storeId?: string; name?: string; scopes?: string } = {}) =>
    createApiKey(db(), {
      storeId: fields.storeId ?? storeId,
      name: fields.name ?? 'shop backend',
      scopes: parseScopes(fields.scopes),
      pepper: PEPPER,
      now: NOW,
    });

  it('a new key has the documented shape and authenticates as its store with its scopes', async () => {
    const created = await create({ scopes: 'payments:read,webhooks:manage' });
    expect(created.key).toMatch(/^ctrip_[a-z0-9]{10}_[A-Za-z0-9_-]{32}$/);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    expect(await authenticateApiKey(db(), created.key, PEPPER, NOW)).toEqual({
      id: created.id,
      storeId,
      scopes: ['payments:read', 'webhooks:manage'],
    });
  });

  it('a wrong secret behind a right prefix, a malformed token and a revoked key are refused', async () => {
    const created = await create();
    const other = await create({ name: 'to revoke' });
    await revokeApiKey(db(), other.id, NOW);
    for (const token of [
      withWrongSecret(created.key),
      created.prefix,
      `${created.key}x`,
      created.key.toUpperCase(),
      `Bearer ${created.key}`,
      '',
      other.key,
    ]) {
      expect(await authenticateApiKey(db(), token, PEPPER, NOW), token).toBeNull();
    }
    // The refusals above did not disturb the valid key.
    expect(await authenticateApiKey(db(), created.key, PEPPER, NOW)).not.toBeNull();
  });

  it('the database holds a hash, never the key: no column of any row contains it', async () => {
    const created = await create();
    const rows = await db()
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .execute();
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown>;
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.hash).not.toBe(created.key);
    const secretPart = created.key.slice(created.prefix.length + 1);
    for (const [column, value] of Object.entries(row)) {
      const text = value instanceof Date ? value.toISOString() : JSON.stringify(value);
      expect(text, column).not.toContain(secretPart);
    }
  });

  it('a key does not authenticate under a different SECRET_KEY pepper', async () => {
    const created = await create();
    expect(await authenticateApiKey(db(), created.key, OTHER_PEPPER, NOW)).toBeNull();
    expect(await authenticateApiKey(db(), created.key, PEPPER, NOW)).not.toBeNull();
  });

  it('last_used_at is set on use and not rewritten within a minute, then rewritten after it', async () => {
    const created = await create();
    const lastUsed = async () => (await keysOfStore())[0]?.lastUsedAt?.getTime() ?? null;
    expect(await lastUsed()).toBeNull();

    await authenticateApiKey(db(), created.key, PEPPER, NOW);
    expect(await lastUsed()).toBe(NOW.getTime());

    await authenticateApiKey(db(), created.key, PEPPER, new Date(NOW.getTime() + 59_000));
    expect(await lastUsed()).toBe(NOW.getTime());

    const later = new Date(NOW.getTime() + 61_000);
    await authenticateApiKey(db(), created.key, PEPPER, later);
    expect(await lastUsed()).toBe(later.getTime());
  });

  it('a refused token does not touch last_used_at', async () => {
    const created = await create();
    await authenticateApiKey(db(), withWrongSecret(created.key), PEPPER, NOW);
    expect((await keysOfStore())[0]?.lastUsedAt).toBeNull();
  });

  it('listApiKeys lists every store’s keys or one store’s, never with the key or its hash', async () => {
    const shop = await createStore(db(), `second shop ${storeCount}`);
    const a = await create({ name: 'a' });
    const b = await create({ name: 'b', storeId: shop.id, scopes: 'payments:read' });

    const all = await listApiKeys(db());
    expect(all.map((k) => k.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    for (const summary of all) {
      expect(Object.keys(summary)).not.toContain('key');
      expect(Object.keys(summary)).not.toContain('hash');
    }
    expect(await keysOfStore(shop.id)).toEqual([
      {
        id: b.id,
        storeId: shop.id,
        name: 'b',
        prefix: b.prefix,
        scopes: ['payments:read'],
        createdAt: NOW,
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    expect((await keysOfStore()).map((k) => k.id)).toEqual([a.id]);
  });

  it('a key made for the default store authenticates as the default store', async () => {
    const defaultStore = await findStore(db(), DEFAULT_STORE_NAME);
    const created = await create({ storeId: defaultStore.id });
    expect((await authenticateApiKey(db(), created.key, PEPPER, NOW))?.storeId).toBe(
      defaultStore.id,
    );
  });

  it('revokes by id and by prefix; revoking again keeps the first time', async () => {
    const byId = await create({ name: 'by id' });
    const byPrefix = await create({ name: 'by prefix' });
    const kept = await create({ name: 'kept' });

    const revokedAt = new Date(NOW.getTime() + 1000);
    expect((await revokeApiKey(db(), byId.id, revokedAt)).revokedAt).toEqual(revokedAt);
    expect((await revokeApiKey(db(), byPrefix.prefix, revokedAt)).revokedAt).toEqual(revokedAt);
    const again = await revokeApiKey(db(), byId.prefix, new Date(NOW.getTime() + 5000));
    expect(again.revokedAt).toEqual(revokedAt);

    expect(await authenticateApiKey(db(), byId.key, PEPPER, NOW)).toBeNull();
    expect(await authenticateApiKey(db(), byPrefix.key, PEPPER, NOW)).toBeNull();
    expect(await authenticateApiKey(db(), kept.key, PEPPER, NOW)).not.toBeNull();
    const listed = await keysOfStore();
    expect(listed.map((k) => [k.name, k.revokedAt])).toEqual([
      ['by id', revokedAt],
      ['by prefix', revokedAt],
      ['kept', null],
    ]);
  });

  it('revoking an unknown id or prefix is API_KEY_NOT_FOUND', async () => {
    for (const target of ['ctrip_zzzzzzzzzz', '01900000-0000-7000-8000-000000000000', 'nonsense']) {
      const error = await errorOf(() => revokeApiKey(db(), target));
      expect(error).toBeInstanceOf(ApiKeyError);
      expect(error.code).toBe('API_KEY_NOT_FOUND');
    }
  });

  it('an empty or overlong name is API_KEY_INVALID_NAME and writes nothing', async () => {
    for (const name of ['', '   ', 'x'.repeat(101)]) {
      const error = await errorOf(() => create({ name }));
      expect(error.code).toBe('API_KEY_INVALID_NAME');
    }
    expect(await keysOfStore()).toEqual([]);
  });
});
