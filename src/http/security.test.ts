import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, setupMigratedDatabase } from '../../test/database.ts';
import { buildOpsApp } from '../../test/ops-app.ts';

const STRICT_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join(';');
const SHOP = 'https://shop.example';

describe('security headers and CORS', () => {
  let opened: OpenDatabase;

  beforeAll(async () => {
    opened = await setupMigratedDatabase('sqlite');
    return () => opened.teardown();
  });

  async function withApp(
    env: Record<string, string>,
    run: (app: FastifyInstance) => Promise<void>,
  ): Promise<void> {
    const app = await buildOpsApp(opened.handle.db, { env });
    try {
      await run(app);
    } finally {
      await app.close();
    }
  }

  it('puts a strict CSP and the other helmet headers on API answers, errors and 404s alike', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '2' }, async (app) => {
      const answers = [
        await app.inject({ url: '/health' }),
        await app.inject({ url: '/no/such/route' }),
        await app.inject({ url: '/v1/chains' }),
        await app.inject({ url: '/v1/chains' }),
      ];
      expect(answers.map((r) => r.statusCode)).toEqual([200, 404, 401, 429]);
      for (const response of answers) {
        expect(response.headers).toMatchObject({
          'content-security-policy': STRICT_CSP,
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
          'x-dns-prefetch-control': 'off',
        });
        // Over plain HTTP neither would do anything but harm.
        expect(response.headers['strict-transport-security']).toBeUndefined();
        expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure');
        expect(response.headers['x-powered-by']).toBeUndefined();
      }
    });
  });

  it('adds HSTS and upgrade-insecure-requests when PUBLIC_URL is https', async () => {
    await withApp({ PUBLIC_URL: 'https://pay.example.test' }, async (app) => {
      const response = await app.inject({ url: '/health' });
      expect(response.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
      expect(response.headers['content-security-policy']).toBe(
        `${STRICT_CSP};upgrade-insecure-requests`,
      );
    });
  });

  it('allows inline styles on /docs only, and still no script but its own', async () => {
    await withApp({}, async (app) => {
      for (const url of ['/docs', '/docs/static/index.html', '/docs/json']) {
        const csp = String((await app.inject({ url })).headers['content-security-policy']);
        expect(csp, url).toContain("style-src 'self' 'unsafe-inline'");
        expect(csp, url).toContain("script-src 'self';");
        expect(csp, url).toContain("frame-ancestors 'none'");
      }
      const api = await app.inject({ url: '/openapi.json' });
      expect(api.headers['content-security-policy']).toBe(STRICT_CSP);
    });
  });

  it('renders Swagger UI at /docs in Chromium with no CSP violation', async () => {
    const app = await buildOpsApp(opened.handle.db);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.swagger-ui .info .title');
      expect(await page.textContent('.swagger-ui .info .title')).toContain('cTrip API');
      await page.locator('.opblock-summary').first().click();
      await page.waitForSelector('.opblock-body');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await app.close();
    }
    // Swagger UI's 1.5 MB bundle takes a while on a busy two-core machine.
  }, 120_000);

  it('sends no CORS headers when CORS_ORIGINS is empty', async () => {
    await withApp({}, async (app) => {
      const simple = await app.inject({ url: '/health', headers: { origin: SHOP } });
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/v1/payments',
        headers: {
          origin: SHOP,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    });
  });

  it('answers CORS for the configured origins only, exposing x-request-id', async () => {
    await withApp({ CORS_ORIGINS: `${SHOP},https://admin.example` }, async (app) => {
      const allowed = await app.inject({ url: '/v1/chains', headers: { origin: SHOP } });
      expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
      expect(String(allowed.headers['access-control-expose-headers'])).toContain('x-request-id');
      expect(String(allowed.headers['access-control-expose-headers'])).toContain('retry-after');
      expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();

      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/v1/payments',
        headers: {
          origin: SHOP,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,idempotency-key',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(SHOP);
      expect(preflight.headers['access-control-allow-headers']).toBe(
        'authorization, content-type, idempotency-key, x-request-id',
      );

      const other = await app.inject({
        url: '/v1/chains',
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
