import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Secret } from '../config/secret.ts';
import { isId, newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { ApiKeyError } from './errors.ts';
import { DEFAULT_SCOPES, isScope, SCOPES, type Scope } from './scopes.ts';

/** Every key starts with this, so a leaked key is easy to recognize (and to scan for). */
const KEY_TAG = 'ctrip';
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 10;
/** How stale `last_used_at` may get before a request writes it again. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeySummary {
  readonly id: string;
  readonly storeId: string;
  readonly name: string;
  /** The key's non-secret beginning (`ctrip_ab12cd34ef`), shown in listings. */
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeySummary {
  /** The key itself: shown once, never stored. */
  readonly key: string;
}

export interface AuthenticatedKey {
  readonly id: string;
  readonly storeId: string;
  readonly scopes: readonly Scope[];
}

/** Reads a comma-separated scope list (`payments:read,payments:write`); the default when empty. */
export function parseScopes(text: string | undefined): Scope[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_SCOPES];
  const scopes = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    throw new ApiKeyError(
      'API_KEY_INVALID_SCOPE',
      `unknown scope ${unknown.join(', ')}; scopes are ${SCOPES.join(', ')}`,
      { unknown },
    );
  }
  return scopes as Scope[];
}

/**
 * Makes a key for a store. The key is `ctrip_<prefix>_<secret>`; the database keeps the
 * prefix (to find the row) and an HMAC of the whole key peppered with SECRET_KEY, so a
 * stolen database does not yield usable keys.
 */
export async function createApiKey(
  db: Kysely<Database>,
  params: { storeId: string; name: string; scopes: readonly Scope[]; pepper: Secret; now?: Date },
): Promise<CreatedApiKey> {
  const name = params.name.trim();
  if (name.length === 0 || name.length > 100) {
    throw new ApiKeyError('API_KEY_INVALID_NAME', 'an API key name is 1 to 100 characters');
  }
  const prefix = `${KEY_TAG}_${randomPrefix()}`;
  const key = `${prefix}_${randomBytes(24).toString('base64url')}`;
  const now = params.now ?? new Date();
  const row = {
    id: newId(),
    store_id: params.storeId,
    name,
    prefix,
    hash: hashKey(key, params.pepper),
    scopes: [...params.scopes],
    created_at: now,
  };
  await db.insertInto('api_keys').values(row).execute();
  return {
    id: row.id,
    storeId: row.store_id,
    name,
    prefix,
    scopes: [...params.scopes],
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    key,
  };
}

/**
 * The key a bearer token belongs to, or null when it is malformed, unknown or revoked. The
 * hash comparison takes constant time; the lookup is by the non-secret prefix.
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  token: string,
  pepper: Secret,
  now: Date = new Date(),
): Promise<AuthenticatedKey | null> {
  const match = /^(ctrip_[a-z0-9]{10})_[A-Za-z0-9_-]{32}$/.exec(token);
  if (!match) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'store_id', 'hash', 'scopes', 'revoked_at', 'last_used_at'])
    .where('prefix', '=', match[1] as string)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  const expected = Buffer.from(row.hash, 'hex');
  const actual = Buffer.from(hashKey(token, pepper), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { id: row.id, storeId: row.store_id, scopes: row.scopes as Scope[] };
}

export async function listApiKeys(
  db: Kysely<Database>,
  options: { storeId?: string } = {},
): Promise<ApiKeySummary[]> {
  let query = db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
  if (options.storeId) query = query.where('store_id', '=', options.storeId);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    storeId: row.store_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}

/** Revokes a key (by id or prefix) at once; revoking twice is harmless. */
export async function revokeApiKey(
  db: Kysely<Database>,
  idOrPrefix: string,
  now: Date = new Date(),
): Promise<ApiKeySummary> {
  const column = isId(idOrPrefix) ? 'id' : 'prefix';
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where(column, '=', idOrPrefix)
    .executeTakeFirst();
  if (!row)
    throw new ApiKeyError('API_KEY_NOT_FOUND', `no API key ${idOrPrefix}`, { key: idOrPrefix });
  const revokedAt = row.revoked_at ?? now;
  if (!row.revoked_at) {
    await db
      .updateTable('api_keys')
      .set({ revoked_at: revokedAt })
      .where('id', '=', row.id)
      .execute();
  }
  return {
    id: row.id,
    storeId: row.store_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt,
  };
}

function hashKey(key: string, pepper: Secret): string {
  return createHmac('sha256', pepper.reveal()).update(key).digest('hex');
}

function randomPrefix(): string {
  const bytes = randomBytes(PREFIX_LENGTH);
  let out = '';
  for (const byte of bytes) out += PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length];
  return out;
}
