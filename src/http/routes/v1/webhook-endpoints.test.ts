import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectProblem,
  leaksInternals,
  startTestApi,
  type TestApi,
  type TestApiKey,
} from '../../../../test/api.ts';
import { engines } from '../../../../test/database.ts';
import type { Scope } from '../../../api-keys/index.ts';
import { loadSettings, type Settings } from '../../../config/index.ts';
import { newId } from '../../../db/ids.ts';
import { createLogger } from '../../../logger.ts';
import { createStore } from '../../../stores/index.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../../../wallet/index.ts';
import { openEndpointSecret, signingKeyOf } from '../../../webhooks/endpoint-secrets.ts';
import { buildApp } from '../../app.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** `whsec_` and 24 random bytes in base64, as Standard Webhooks receivers expect. */
const SECRET = /^whsec_[A-Za-z0-9+/]{32}$/;
const HOOK = 'https://shop.example/hooks/ctrip';
const DAY_MS = 86_400_000;

interface EndpointBody {
  id: string;
  url: string;
  description: string | null;
  event_types: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  secret_rotation_ends_at: string | null;
  created_at: string;
  updated_at: string;
  secret?: string;
}

describe.each(engines)('webhook endpoints API on %s', (engine) => {
  let api: TestApi;
  let key: TestApiKey;

  beforeAll(async () => {
    api = await startTestApi(engine);
    key = await api.keys.create(['webhooks:manage']);
    return () => api.teardown();
  });
  afterAll(() => {
    expect(api.bodies.length).toBeGreaterThan(10);
    expect(api.bodies.filter(leaksInternals)).toEqual([]);
  });

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    as: { headers: Record<string, string> } = key,
    app: FastifyInstance = api.app,
  ) =>
    app.inject({
      method,
      url,
      headers: as.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const create = async (payload: Record<string, unknown> = {}, as = key) => {
    const response = await call('POST', '/v1/webhook-endpoints', { url: HOOK, ...payload }, as);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as EndpointBody & { secret: string };
  };
  const endpointRow = (id: string) =>
    api.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const countEndpoints = async () =>
    Number(
      (
        await api.db
          .selectFrom('webhook_endpoints')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** A key of a new store of its own, so what a test lists is only what it created. */
  const newStoreKey = async (scopes: readonly Scope[] = ['webhooks:manage']) => {
    const store = await createStore(api.db, `store-${newId().slice(-12)}`);
    return api.keys.create(scopes, store.id);
  };
  /** The app built again on the same database with other webhook settings. */
  const appWith = async (env: Record<string, string>, patch: Partial<Settings> = {}) => {
    const settings = loadSettings({
      env: { ENV: 'testing', RATE_LIMIT_PER_MINUTE: '1000000', ...env },
      envFile: null,
    });
    return buildApp({
      db: api.db,
      settings: { ...settings, ...patch },
      logger: createLogger('silent'),
      deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
      chains: api.chains,
    });
  };

  describe('POST /v1/webhook-endpoints', () => {
    it('creates an endpoint: 201 with Location, the endpoint and its whsec_ secret', async () => {
      const before = Date.now();
      const response = await call('POST', '/v1/webhook-endpoints', {
        url: HOOK,
        description: 'order service',
        event_types: ['payment.confirmed', 'payment.expired', 'payment.confirmed'],
      });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json() as EndpointBody;
      expect(body).toEqual({
        id: expect.stringMatching(UUID),
        url: HOOK,
        description: 'order service',
        // Named once each, in the order given.
        event_types: ['payment.confirmed', 'payment.expired'],
        enabled: true,
        disabled_reason: null,
        failing_since: null,
        secret_rotation_ends_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        secret: expect.stringMatching(SECRET),
      });
      expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(response.headers.location).toBe(`/v1/webhook-endpoints/${body.id}`);
      const row = await endpointRow(body.id);
      expect(row.store_id).toBe(key.storeId);
      expect(row.previous_secret).toBeNull();
      // Stored sealed: the database alone does not hold the secret.
      expect(row.secret).not.toContain(body.secret?.slice('whsec_'.length));
      expect(row.secret).toMatch(/^v1\./);
    });

    it('sends every event type when event_types is null or absent, and can start disabled', async () => {
      expect((await create()).event_types).toBeNull();
      expect((await create({ event_types: null })).event_types).toBeNull();
      const off = await create({ enabled: false });
      expect(off).toMatchObject({ enabled: false, disabled_reason: null });
      expect((await endpointRow(off.id)).enabled).toBe(false);
    });

    it('shows the secret once: no later answer about the endpoint contains it', async () => {
      const created = await create({ description: 'shown once' });
      const secret = created.secret;
      const id = created.id;
      const seenBefore = api.bodies.filter((b) => b.includes(secret)).length;
      expect(seenBefore).toBe(1);
      const answers = [
        await call('GET', `/v1/webhook-endpoints/${id}`),
        await call('GET', '/v1/webhook-endpoints?limit=100'),
        await call('PATCH', `/v1/webhook-endpoints/${id}`, { description: 'changed' }),
        await call('PATCH', `/v1/webhook-endpoints/${id}`, { enabled: false }),
        await call('GET', `/v1/webhook-endpoints/${id}/deliveries`),
      ];
      for (const answer of answers) {
        expect(answer.statusCode, answer.body).toBe(200);
        expect(answer.body).not.toContain(secret);
        expect(answer.body).not.toMatch(/whsec_|"secret"/);
      }
      expect(JSON.stringify(answers[1]?.json().data)).toContain(id);
      expect(api.bodies.filter((b) => b.includes(secret)).length).toBe(1);
    });

    it('returns the secret cTrip signs with: a standardwebhooks receiver verifies what the stored secret signs', async () => {
      const created = await create();
      const stored = openEndpointSecret(
        (await endpointRow(created.id)).secret,
        api.settings.secretKey,
      );
      expect(stored).toBe(created.secret);
      // Signed with the stored secret as a delivery is; verified with the one the merchant got.
      const id = newId();
      const timestamp = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ id, type: 'payment.confirmed' });
      const signature = createHmac('sha256', signingKeyOf(stored))
        .update(`${id}.${timestamp}.${body}`)
        .digest('base64');
      const headers = {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
      };
      expect(new Webhook(created.secret).verify(body, headers)).toEqual(JSON.parse(body));
      const other = await create();
      expect(() => new Webhook(other.secret).verify(body, headers)).toThrow();
    });

    const refusedBodies: [string, unknown, string, string][] = [
      ['url is missing', {}, 'VALIDATION_FAILED', 'url'],
      ['url is not a URL', { url: 'shop.example/hooks' }, 'WEBHOOK_URL_INVALID', 'url'],
      ['url is ftp', { url: 'ftp://shop.example/hooks' }, 'WEBHOOK_URL_INVALID', 'url'],
      [
        'url holds credentials',
        { url: 'https://user:hunter2@shop.example/hooks' },
        'WEBHOOK_URL_INVALID',
        'url',
      ],
      ['url is a number', { url: 42 }, 'VALIDATION_FAILED', 'url'],
      [
        'url is over 2048 characters',
        { url: `${HOOK}/${'a'.repeat(2048)}` },
        'VALIDATION_FAILED',
        'url',
      ],
      [
        'an event type is unknown',
        { url: HOOK, event_types: ['payment.confirmed', 'payment.refunded'] },
        'WEBHOOK_EVENT_TYPE_UNKNOWN',
        'event_types',
      ],
      ['event_types is empty', { url: HOOK, event_types: [] }, 'VALIDATION_FAILED', 'event_types'],
      [
        'event_types is a string',
        { url: HOOK, event_types: 'payment.confirmed' },
        'VALIDATION_FAILED',
        'event_types',
      ],
      ['enabled is a string', { url: HOOK, enabled: 'yes' }, 'VALIDATION_FAILED', 'enabled'],
      [
        'description is too long',
        { url: HOOK, description: 'x'.repeat(501) },
        'VALIDATION_FAILED',
        'description',
      ],
      [
        'description holds NUL',
        { url: HOOK, description: 'a\0b' },
        'VALIDATION_FAILED',
        'description',
      ],
      ['a field is unknown', { url: HOOK, secret: 'whsec_mine' }, 'VALIDATION_FAILED', 'secret'],
    ];
    it.each(
      refusedBodies.map(([what, payload, code, field]) => [what, code, field, payload] as const),
    )(
      'refuses a body where %s (422 %s naming %s), writing nothing',
      async (_, code, field, payload) => {
        const before = await countEndpoints();
        const response = await call('POST', '/v1/webhook-endpoints', payload);
        const problem = expectProblem(response, 422, code, field);
        expect(response.body).not.toContain('hunter2');
        if (code === 'WEBHOOK_EVENT_TYPE_UNKNOWN')
          expect(problem.detail).toContain('payment.refunded');
        expect(await countEndpoints()).toBe(before);
      },
    );
  });

  describe('private addresses and https', () => {
    const PRIVATE = [
      'http://127.0.0.1:8080/hooks',
      'http://localhost/hooks',
      'https://10.1.2.3/hooks',
      'https://[::1]/hooks',
      'http://169.254.169.254/latest/meta-data',
      'https://[::ffff:192.168.1.1]/hooks',
    ];
    /** A public address literal: accepted without a DNS lookup. */
    const PUBLIC = 'https://93.184.215.14/hooks';

    it('refuses loopback, private and link-local URLs when WEBHOOK_ALLOW_PRIVATE_URLS=false, writing nothing', async () => {
      const strict = await appWith({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' });
      try {
        const before = await countEndpoints();
        for (const url of PRIVATE) {
          const response = await call('POST', '/v1/webhook-endpoints', { url }, key, strict);
          expectProblem(response, 422, 'WEBHOOK_URL_REFUSED', 'url');
        }
        expect(await countEndpoints()).toBe(before);
        const created = await call('POST', '/v1/webhook-endpoints', { url: PUBLIC }, key, strict);
        expect(created.statusCode, created.body).toBe(201);
        const id = (created.json() as EndpointBody).id;
        // A change of URL is checked the same way and leaves the endpoint as it was.
        const moved = await call(
          'PATCH',
          `/v1/webhook-endpoints/${id}`,
          { url: 'http://192.168.0.10/hooks', description: 'moved' },
          key,
          strict,
        );
        expectProblem(moved, 422, 'WEBHOOK_URL_REFUSED', 'url');
        expect(await endpointRow(id)).toMatchObject({ url: PUBLIC, description: null });
      } finally {
        await strict.close();
      }
    });

    it('production settings without WEBHOOK_ALLOW_PRIVATE_URLS refuse private URLs', async () => {
      const settings = loadSettings({
        env: {
          ENV: 'production',
          DATABASE_URL: 'postgresql://ctrip:s3cret-pw@db.internal:5432/ctrip',
          PRIVATE_KEY: '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
          SECRET_KEY: 'k9X2vQ7mL4pR8sT1wY6zA3bC5dE0fG2hJ4kM7nP9qR',
          XPUB: 'xpub6DWkdnA5gTHCc1LueTYZEr5zLZ3FdRgXMHWPNTLAJE96v3jvj3wX4uDEzTE7gwpJ85N9AVXikDGVwyLEzdsww6TcNtiXag8UZzYMCXy7Dbn',
          RATE_LIMIT_PER_MINUTE: '1000000',
        },
        cwd: '/srv/ctrip',
        envFile: null,
      });
      expect(settings.webhooks.allowPrivateUrls).toBe(false);
      const production = await buildApp({
        db: api.db,
        // The test's SECRET_KEY, which its API keys were hashed with.
        settings: { ...settings, secretKey: api.settings.secretKey },
        logger: createLogger('silent'),
        deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
        chains: api.chains,
      });
      try {
        const before = await countEndpoints();
        const refused = await call(
          'POST',
          '/v1/webhook-endpoints',
          { url: 'http://127.0.0.1/hooks' },
          key,
          production,
        );
        expectProblem(refused, 422, 'WEBHOOK_URL_REFUSED', 'url');
        expect(await countEndpoints()).toBe(before);
        const secure = await call(
          'POST',
          '/v1/webhook-endpoints',
          { url: PUBLIC },
          key,
          production,
        );
        expect(secure.statusCode, secure.body).toBe(201);
      } finally {
        await production.close();
      }
    });

    it('accepts them when private URLs are allowed (the default outside production)', async () => {
      expect(api.settings.webhooks.allowPrivateUrls).toBe(true);
      for (const url of PRIVATE) expect((await create({ url })).url).toBe(url);
    });

    it('in production refuses plain http unless private URLs are allowed', async () => {
      const production = await appWith(
        { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' },
        { env: 'production' },
      );
      const onPremise = await appWith(
        { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
        { env: 'production' },
      );
      try {
        const before = await countEndpoints();
        const plain = 'http://93.184.215.14/hooks';
        const refused = await call(
          'POST',
          '/v1/webhook-endpoints',
          { url: plain },
          key,
          production,
        );
        expect(expectProblem(refused, 422, 'WEBHOOK_URL_REFUSED', 'url').detail).toMatch(/https/);
        expect(await countEndpoints()).toBe(before);
        const secure = await call(
          'POST',
          '/v1/webhook-endpoints',
          { url: PUBLIC },
          key,
          production,
        );
        expect(secure.statusCode, secure.body).toBe(201);
        const local = await call(
          'POST',
          '/v1/webhook-endpoints',
          { url: 'http://10.0.0.7:8080/hooks' },
          key,
          onPremise,
        );
        expect(local.statusCode, local.body).toBe(201);
      } finally {
        await production.close();
        await onPremise.close();
      }
    });
  });

  describe('GET, PATCH and DELETE', () => {
    it('round trip: created, read, listed, changed field by field, deleted, then gone', async () => {
      const store = await newStoreKey();
      const created = await create({ description: 'first' }, store);
      const { secret: _secret, ...view } = created;
      expect(
        (await call('GET', `/v1/webhook-endpoints/${created.id}`, undefined, store)).json(),
      ).toEqual(view);

      const patched = await call(
        'PATCH',
        `/v1/webhook-endpoints/${created.id}`,
        {
          url: 'https://shop.example/hooks/v2',
          description: null,
          event_types: ['payment.settled'],
          enabled: false,
        },
        store,
      );
      expect(patched.statusCode, patched.body).toBe(200);
      const changed = patched.json() as EndpointBody;
      expect(changed).toEqual({
        ...view,
        url: 'https://shop.example/hooks/v2',
        description: null,
        event_types: ['payment.settled'],
        enabled: false,
        updated_at: expect.any(String),
      });
      expect(Date.parse(changed.updated_at)).toBeGreaterThanOrEqual(Date.parse(view.updated_at));
      // Only the fields sent change.
      const again = await call(
        'PATCH',
        `/v1/webhook-endpoints/${created.id}`,
        { event_types: null },
        store,
      );
      // An empty change changes nothing, not even updated_at.
      const unchanged = await call('PATCH', `/v1/webhook-endpoints/${created.id}`, {}, store);
      expect(unchanged.json()).toEqual(again.json());
      expect(again.json()).toMatchObject({
        url: 'https://shop.example/hooks/v2',
        event_types: null,
        enabled: false,
      });
      expect(await endpointRow(created.id)).toMatchObject({
        url: 'https://shop.example/hooks/v2',
        description: null,
        event_types: null,
        enabled: false,
      });

      const list = (await call('GET', '/v1/webhook-endpoints', undefined, store)).json();
      expect(list).toEqual({ data: [again.json()], has_more: false, next_cursor: null });

      const deleted = await call('DELETE', `/v1/webhook-endpoints/${created.id}`, undefined, store);
      expect(deleted.statusCode, deleted.body).toBe(204);
      expect(deleted.body).toBe('');
      expectProblem(
        await call('GET', `/v1/webhook-endpoints/${created.id}`, undefined, store),
        404,
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
      expectProblem(
        await call('DELETE', `/v1/webhook-endpoints/${created.id}`, undefined, store),
        404,
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
      expect((await call('GET', '/v1/webhook-endpoints', undefined, store)).json().data).toEqual(
        [],
      );
    });

    it('enabling an endpoint cTrip disabled for failing clears the reason and the failing streak', async () => {
      const created = await create();
      await api.db
        .updateTable('webhook_endpoints')
        .set({
          enabled: false,
          disabled_reason: 'failing',
          failing_since: new Date(Date.now() - 5 * DAY_MS),
        })
        .where('id', '=', created.id)
        .execute();
      const shown = (await call('GET', `/v1/webhook-endpoints/${created.id}`)).json();
      expect(shown).toMatchObject({ enabled: false, disabled_reason: 'failing' });
      expect(Date.parse(shown.failing_since)).toBeLessThan(Date.now() - 4 * DAY_MS);
      // A change that does not enable it leaves the reason visible.
      const described = await call('PATCH', `/v1/webhook-endpoints/${created.id}`, {
        description: 'looking into it',
      });
      expect(described.json()).toMatchObject({ enabled: false, disabled_reason: 'failing' });
      const enabled = await call('PATCH', `/v1/webhook-endpoints/${created.id}`, { enabled: true });
      expect(enabled.json()).toMatchObject({
        enabled: true,
        disabled_reason: null,
        failing_since: null,
      });
      expect(await endpointRow(created.id)).toMatchObject({
        enabled: true,
        disabled_reason: null,
        failing_since: null,
      });
    });

    it('a refused change writes nothing: bad URL, unknown event type, unknown field', async () => {
      const created = await create({ event_types: ['payment.confirmed'] });
      const before = await endpointRow(created.id);
      const path = `/v1/webhook-endpoints/${created.id}`;
      expectProblem(
        await call('PATCH', path, { url: 'ftp://shop.example/x', description: 'x' }),
        422,
        'WEBHOOK_URL_INVALID',
        'url',
      );
      expectProblem(
        await call('PATCH', path, { event_types: ['payment.nope'], enabled: false }),
        422,
        'WEBHOOK_EVENT_TYPE_UNKNOWN',
        'event_types',
      );
      expectProblem(
        await call('PATCH', path, { store_id: newId() }),
        422,
        'VALIDATION_FAILED',
        'store_id',
      );
      expectProblem(await call('PATCH', path, { url: null }), 422, 'VALIDATION_FAILED', 'url');
      expect(await endpointRow(created.id)).toEqual(before);
    });

    it('pages newest first through every endpoint exactly once', async () => {
      const store = await newStoreKey();
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await create({ description: `#${i}` }, store)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
        const page = (await call('GET', `/v1/webhook-endpoints?${query}`, undefined, store)).json();
        seen.push(...page.data.map((e: EndpointBody) => e.id));
        expect(page.has_more).toBe(page.next_cursor !== null);
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
      expectProblem(
        await call('GET', '/v1/webhook-endpoints?cursor=nope', undefined, store),
        422,
        'VALIDATION_FAILED',
        'cursor',
      );
      expectProblem(
        await call('GET', '/v1/webhook-endpoints?limit=101', undefined, store),
        422,
        'VALIDATION_FAILED',
        'limit',
      );
    });
  });

  describe('POST /v1/webhook-endpoints/:id/rotate-secret', () => {
    it('returns a new secret once and keeps the old one signing for 24 hours by default', async () => {
      const created = await create();
      const before = Date.now();
      const response = await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`);
      expect(response.statusCode, response.body).toBe(200);
      const rotated = response.json() as EndpointBody & { secret: string };
      expect(rotated.secret).toMatch(SECRET);
      expect(rotated.secret).not.toBe(created.secret);
      const endsAt = Date.parse(rotated.secret_rotation_ends_at ?? '');
      expect(endsAt - before).toBeGreaterThanOrEqual(DAY_MS - 1000);
      expect(endsAt - Date.now()).toBeLessThanOrEqual(DAY_MS);

      const row = await endpointRow(created.id);
      expect(openEndpointSecret(row.secret, api.settings.secretKey)).toBe(rotated.secret);
      expect(openEndpointSecret(row.previous_secret ?? '', api.settings.secretKey)).toBe(
        created.secret,
      );
      expect(row.previous_secret_expires_at?.getTime()).toBe(endsAt);

      const shown = await call('GET', `/v1/webhook-endpoints/${created.id}`);
      expect(shown.json().secret_rotation_ends_at).toBe(rotated.secret_rotation_ends_at);
      expect(shown.body).not.toContain(rotated.secret);
      expect(api.bodies.filter((b) => b.includes(rotated.secret)).length).toBe(1);
    });

    it('overlap_seconds sets how long the old secret signs; 0 retires it at once', async () => {
      const created = await create();
      const path = `/v1/webhook-endpoints/${created.id}/rotate-secret`;
      const hour = (await call('POST', path, { overlap_seconds: 3600 })).json() as EndpointBody;
      const hourLeft = Date.parse(hour.secret_rotation_ends_at ?? '') - Date.now();
      expect(hourLeft).toBeGreaterThan(3_590_000);
      expect(hourLeft).toBeLessThanOrEqual(3_600_000);

      const now = await call('POST', path, { overlap_seconds: 0 });
      expect(now.statusCode, now.body).toBe(200);
      const retired = now.json() as EndpointBody & { secret: string };
      expect(retired.secret_rotation_ends_at).toBeNull();
      const row = await endpointRow(created.id);
      expect(row).toMatchObject({ previous_secret: null, previous_secret_expires_at: null });
      expect(openEndpointSecret(row.secret, api.settings.secretKey)).toBe(retired.secret);
    });

    it.each([
      [{ overlap_seconds: 7 * 86_400 + 1 }],
      [{ overlap_seconds: -1 }],
      [{ overlap_seconds: 1.5 }],
      [{ overlap_seconds: '60' }],
    ])('refuses %j (422 naming overlap_seconds) and keeps the secret', async (payload) => {
      const created = await create();
      const before = await endpointRow(created.id);
      expectProblem(
        await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, payload),
        422,
        'VALIDATION_FAILED',
        'overlap_seconds',
      );
      expect(await endpointRow(created.id)).toEqual(before);
    });

    it('accepts the longest overlap, 7 days', async () => {
      const created = await create();
      const rotated = (
        await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, {
          overlap_seconds: 7 * 86_400,
        })
      ).json() as EndpointBody;
      const left = Date.parse(rotated.secret_rotation_ends_at ?? '') - Date.now();
      expect(left).toBeGreaterThan(7 * DAY_MS - 10_000);
    });
  });

  describe('authentication, scopes and stores', () => {
    const someId = newId();
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown][] = [
      ['POST', '/v1/webhook-endpoints', { url: HOOK }],
      ['GET', '/v1/webhook-endpoints', undefined],
      ['GET', `/v1/webhook-endpoints/${someId}`, undefined],
      ['PATCH', `/v1/webhook-endpoints/${someId}`, { enabled: false }],
      ['DELETE', `/v1/webhook-endpoints/${someId}`, undefined],
      ['POST', `/v1/webhook-endpoints/${someId}/rotate-secret`, {}],
      ['GET', `/v1/webhook-endpoints/${someId}/deliveries`, undefined],
      ['GET', `/v1/webhook-deliveries/${someId}`, undefined],
      ['POST', `/v1/webhook-deliveries/${someId}/redeliver`, undefined],
    ];

    it.each(routes)('%s %s without a key is 401 AUTH_REQUIRED', async (method, url, payload) => {
      expectProblem(await call(method, url, payload, { headers: {} }), 401, 'AUTH_REQUIRED');
    });

    it.each(routes)(
      '%s %s with a payments-only key is 403 FORBIDDEN_SCOPE, writing nothing',
      async (method, url, payload) => {
        const payments = await api.keys.create(['payments:read', 'payments:write']);
        const before = await countEndpoints();
        const body = expectProblem(
          await call(method, url, payload, payments),
          403,
          'FORBIDDEN_SCOPE',
        );
        expect(body.detail).toContain('webhooks:manage');
        expect(await countEndpoints()).toBe(before);
      },
    );

    it("another store's endpoint is a 404 in every route and stays as it was", async () => {
      const other = await newStoreKey();
      const theirs = await create({ description: 'theirs' }, other);
      const rowBefore = await endpointRow(theirs.id);
      const base = `/v1/webhook-endpoints/${theirs.id}`;
      for (const [method, url, payload] of [
        ['GET', base, undefined],
        ['PATCH', base, { enabled: false, url: 'https://evil.example/' }],
        ['POST', `${base}/rotate-secret`, { overlap_seconds: 0 }],
        ['GET', `${base}/deliveries`, undefined],
        ['DELETE', base, undefined],
      ] as const) {
        const response = await call(method, url, payload);
        expectProblem(response, 404, 'WEBHOOK_ENDPOINT_NOT_FOUND');
        expect(response.body).not.toContain('theirs');
      }
      const mine = (await call('GET', '/v1/webhook-endpoints?limit=100')).json();
      expect(mine.data.map((e: EndpointBody) => e.id)).not.toContain(theirs.id);
      expect(await endpointRow(theirs.id)).toEqual(rowBefore);
      const theirList = (await call('GET', '/v1/webhook-endpoints', undefined, other)).json();
      expect(theirList.data.map((e: EndpointBody) => e.id)).toEqual([theirs.id]);
    });

    it('an id that is not a uuid is a 404, not a 500', async () => {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        expectProblem(
          await call(
            method,
            '/v1/webhook-endpoints/not-an-id',
            method === 'PATCH' ? {} : undefined,
          ),
          404,
          'WEBHOOK_ENDPOINT_NOT_FOUND',
        );
      }
      expectProblem(
        await call('POST', '/v1/webhook-endpoints/not-an-id/rotate-secret'),
        404,
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
    });
  });

  it('lets a listed browser origin PATCH and DELETE endpoints (CORS preflight)', async () => {
    const origin = 'https://admin.shop.example';
    const app = await appWith({ CORS_ORIGINS: origin });
    try {
      for (const method of ['PATCH', 'DELETE']) {
        const preflight = await app.inject({
          method: 'OPTIONS',
          url: `/v1/webhook-endpoints/${newId()}`,
          headers: {
            origin,
            'access-control-request-method': method,
            'access-control-request-headers': 'authorization,content-type',
          },
        });
        expect(preflight.statusCode).toBe(204);
        expect(preflight.headers['access-control-allow-origin']).toBe(origin);
        expect(String(preflight.headers['access-control-allow-methods'])).toContain(method);
      }
    } finally {
      await app.close();
    }
  });

  it('the OpenAPI document describes the webhook routes', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/webhook-endpoints',
        '/v1/webhook-endpoints/{id}',
        '/v1/webhook-endpoints/{id}/rotate-secret',
        '/v1/webhook-endpoints/{id}/deliveries',
        '/v1/webhook-deliveries/{id}/redeliver',
      ]),
    );
    expect(doc.paths['/v1/webhook-endpoints'].post.responses['201']).toBeDefined();
  });
});
