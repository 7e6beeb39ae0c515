import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, setupMigratedDatabase } from '../../test/database.ts';
import { buildOpsApp } from '../../test/ops-app.ts';
import { DEFAULT_STORE_ID } from '../../test/rows.ts';
import { createApiKey } from '../api-keys/index.ts';
import { DEVELOPMENT_SECRET_KEY, Secret } from '../config/index.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMIT = { RATE_LIMIT_PER_MINUTE: '3' };

function expectRateLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({
    type: 'urn:ctrip:problem:rate-limited',
    status: 429,
    code: 'RATE_LIMITED',
    detail: expect.stringMatching(/too many requests/),
  });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('rate limit', () => {
  let opened: OpenDatabase;

  beforeAll(async () => {
    opened = await setupMigratedDatabase('sqlite');
    return () => opened.teardown();
  });

  /** A real key of the default store (signed with the development SECRET_KEY the settings use). */
  async function newKey(): Promise<{ key: string; prefix: string; authorization: string }> {
    const created = await createApiKey(opened.handle.db, {
      storeId: DEFAULT_STORE_ID,
      name: 'rate limit test',
      scopes: ['payments:read'],
      pepper: new Secret(DEVELOPMENT_SECRET_KEY),
    });
    return { key: created.key, prefix: created.prefix, authorization: `Bearer ${created.key}` };
  }

  async function withApp(
    env: Record<string, string>,
    run: (app: FastifyInstance) => Promise<void>,
  ): Promise<void> {
    const app = await buildOpsApp(opened.handle.db, { env: { ...LIMIT, ...env } });
    try {
      await run(app);
    } finally {
      await app.close();
    }
  }

  const chains = (app: FastifyInstance, authorization?: string) =>
    app.inject({ url: '/v1/chains', headers: authorization ? { authorization } : {} });

  it('answers the fourth request in a minute with one key with a 429 problem and Retry-After, while another key still passes', async () => {
    const first = await newKey();
    const second = await newKey();
    await withApp({}, async (app) => {
      for (let i = 0; i < 3; i++) {
        const response = await chains(app, first.authorization);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBe('3');
        expect(response.headers['x-ratelimit-remaining']).toBe(String(2 - i));
      }
      expectRateLimited(await chains(app, first.authorization));
      expect((await chains(app, second.authorization)).statusCode).toBe(200);
    });
  });

  it('counts a key by its prefix alone, so the secret part never names a budget', async () => {
    const { prefix } = await newKey();
    await withApp({}, async (app) => {
      // Wrong secrets: each is refused (401), and all spend the one prefix's budget.
      for (const secret of ['aaaa', 'bbbb', 'cccc']) {
        expect((await chains(app, `Bearer ${prefix}_${secret}`)).statusCode).toBe(401);
      }
      expectRateLimited(await chains(app, `Bearer ${prefix}_dddd`));
    });
  });

  it('limits requests without a key by address', async () => {
    await withApp({}, async (app) => {
      for (let i = 0; i < 3; i++) expect((await chains(app)).statusCode).toBe(401);
      expectRateLimited(await chains(app));
      expectRateLimited(await chains(app, 'Basic dXNlcjpwYXNz'));
    });
  });

  it('behind a trusted proxy, counts each client by its forwarded address; otherwise by the peer alone', async () => {
    const from = (app: FastifyInstance, client: string) =>
      app.inject({ url: '/v1/chains', headers: { 'x-forwarded-for': client } });
    // inject() connects from 127.0.0.1: the proxy.
    await withApp({ TRUST_PROXY: '127.0.0.1' }, async (app) => {
      for (let i = 0; i < 3; i++) expect((await from(app, '203.0.113.7')).statusCode).toBe(401);
      expectRateLimited(await from(app, '203.0.113.7'));
      expect((await from(app, '198.51.100.4')).statusCode).toBe(401);
    });
    // Not trusted: a client cannot buy a fresh budget by inventing X-Forwarded-For.
    await withApp({}, async (app) => {
      for (let i = 0; i < 3; i++) expect((await from(app, `203.0.113.${i}`)).statusCode).toBe(401);
      expectRateLimited(await from(app, '198.51.100.4'));
    });
  });

  it('never limits /health, /ready and /metrics', async () => {
    await withApp({}, async (app) => {
      for (let i = 0; i < 3; i++) await chains(app);
      expectRateLimited(await chains(app));
      for (const url of ['/health', '/ready', '/metrics']) {
        for (let i = 0; i < 5; i++) {
          const response = await app.inject({ url });
          expect(response.statusCode, url).not.toBe(429);
          expect(response.headers['x-ratelimit-limit'], url).toBeUndefined();
        }
      }
    });
  });

  it('shares one budget between two instances on the same Redis, keyed by the prefix alone', async () => {
    const redis = new Redis(REDIS_URL);
    const { key, prefix, authorization } = await newKey();
    const other = await newKey();
    // Keys are named by prefixes fresh to this test, so suites running at once never collide.
    const stored = `ctrip:rate-limit:key:${prefix}`;
    try {
      const env = { REDIS_URL };
      await withApp(env, (a) =>
        withApp(env, async (b) => {
          expect((await chains(a, authorization)).statusCode).toBe(200);
          expect((await chains(b, authorization)).statusCode).toBe(200);
          expect((await chains(a, authorization)).statusCode).toBe(200);
          expectRateLimited(await chains(b, authorization));
          expect((await chains(b, other.authorization)).statusCode).toBe(200);
        }),
      );
      expect(await redis.get(stored)).toBe('4');
      const ttl = await redis.pttl(stored);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      const secret = key.slice(prefix.length + 1);
      const names = await redis.keys(`ctrip:rate-limit:*${prefix}*`);
      expect(names).toEqual([stored]);
      expect(names.join()).not.toContain(secret);
    } finally {
      await redis.del(stored, `ctrip:rate-limit:key:${other.prefix}`);
      redis.disconnect();
    }
  });
});
