import type { FastifyInstance } from 'fastify';
import { toString as renderQrCode } from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../../test/database.ts';
import { startTestGateway, type TestGateway } from '../../../test/gateway.ts';
import type { ChainConfig } from '../../config/chains-file.ts';
import { loadSettings } from '../../config/index.ts';
import { newId } from '../../db/ids.ts';
import { createLogger } from '../../logger.ts';
import { type CreatePaymentParams, createPayment } from '../../payments/create-payment.ts';
import { buildApp } from '../app.ts';
import { loadCheckoutAssets } from './checkout-assets.ts';
import { CHECKOUT_CONTENT_SECURITY_POLICY } from './register-checkout-routes.ts';

const USDC = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
// Rendering needs no node: the chain is only a configuration here.
const chain: ChainConfig = {
  name: 'anvil',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:9'],
  confirmations: { kind: 'depth', blocks: 3 },
  reorgWindow: 16,
  pollIntervalMs: 1000,
  maxBlockRange: 50,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [{ symbol: 'USDC', address: USDC, decimals: 6, underpaymentTolerance: 0n, minSweep: 0n }],
};

describe.each(engines)('checkout page on %s', (engine) => {
  let gateway: TestGateway;
  let app: FastifyInstance;

  beforeAll(async () => {
    gateway = await startTestGateway(engine, chain);
    app = await buildApp({
      db: gateway.db,
      settings: loadSettings({ env: { ENV: 'testing' }, envFile: null }),
      logger: createLogger('silent'),
      deriver: gateway.payments.deriver,
      chains: [chain],
    });
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.teardown();
  });

  const create = (params: Partial<CreatePaymentParams> = {}) =>
    createPayment(gateway.payments, { chain: 'anvil', token: 'USDC', amount: '12.5', ...params });
  // The page renders the row; how the scanner gets a row into each state is proven in src/scanner.
  const setState = (id: string, values: Record<string, unknown>) =>
    gateway.db.updateTable('payments').set(values).where('id', '=', id).execute();
  const page = (id: string) => app.inject({ method: 'GET', url: `/pay/${id}` });

  it('shows amount, token, chain, deposit address, QR code, expiry and status without script', async () => {
    const created = await create();
    const response = await page(created.id);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = response.body;
    expect(body).toContain('<h1>Pay 12.5 USDC</h1>');
    expect(body).toContain('on anvil (chain id 31337)');
    expect(body).toMatch(/<input id="amount"[^>]*value="12.5">/);
    expect(body).toContain(`>${created.address}</textarea>`);
    expect(body).toContain(`<code class="mono">${USDC}</code>`);
    expect(body).toContain(`src="/pay/${created.id}/qr.svg?due=12.5"`);
    expect(body).toContain(`datetime="${created.expiresAt.toISOString()}"`);
    expect(body).toMatch(/role="status"[^>]*>\s*<h2[^>]*>Waiting for payment<\/h2>/);
    expect(body).toContain(`data-payment-id="${created.id}"`);
  });

  it('sets a strict CSP itself and keeps script and style out of the markup', async () => {
    const created = await create();
    const response = await page(created.id);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toBe(CHECKOUT_CONTENT_SECURITY_POLICY);
    for (const directive of [
      "default-src 'self'",
      "img-src 'self' data:",
      "style-src 'self'",
      "script-src 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.body).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(response.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const { urls } = loadCheckoutAssets();
    expect(response.body).toContain(`<script src="${urls.js}" defer></script>`);
    expect(response.body).toContain(`<link rel="stylesheet" href="${urls.css}">`);
  });

  it('escapes a token symbol and a return URL that carry markup', async () => {
    await gateway.db
      .updateTable('tokens')
      .set({ symbol: '<script>alert("sym")</script>' })
      .where('address', '=', USDC)
      .execute();
    try {
      const created = await create({
        token: USDC,
        redirectUrl: 'https://shop.example/done?x="><script>alert(1)</script>',
      });
      await setState(created.id, { status: 'confirmed', amount_received: 12_500_000n });
      const body = (await page(created.id)).body;
      expect(body).not.toContain('<script>alert');
      expect(body).toContain('Pay 12.5 &lt;script&gt;alert(&quot;sym&quot;)&lt;/script&gt;</h1>');
      expect(body).toContain(
        'href="https://shop.example/done?x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"',
      );
    } finally {
      await gateway.db
        .updateTable('tokens')
        .set({ symbol: 'USDC' })
        .where('address', '=', USDC)
        .execute();
    }
  });

  it.each([
    ['an unknown id', newId()],
    ['a malformed id', 'not-a-payment'],
    ['markup in the id', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['an id longer than the router takes', 'a'.repeat(300)],
    ['a path below a payment', `${newId()}/anything`],
  ])('%s gets a friendly HTML 404 that does not echo it', async (_case, id) => {
    const response = await page(id);
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(CHECKOUT_CONTENT_SECURITY_POLICY);
    expect(response.body).toContain('<h1>Payment not found</h1>');
    expect(response.body).not.toContain(decodeURIComponent(id.split('/')[0] ?? ''));
    expect(response.body).not.toContain('<script>alert');
  });

  it('shows nothing of the merchant: no store, reference, metadata or early return URL', async () => {
    const created = await create({
      reference: 'order-secret-7731',
      metadata: { note: 'merchant-only-9921' },
      redirectUrl: 'https://shop.example/thanks-4410',
    });
    const texts = [
      (await page(created.id)).body,
      (await app.inject({ method: 'GET', url: `/pay/${created.id}/status` })).body,
    ];
    for (const text of texts) {
      for (const secret of ['order-secret-7731', 'merchant-only-9921', 'thanks-4410']) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toContain(created.storeId);
    }
  });

  it('the status endpoint gives amounts, confirmations and the required depth; the return URL once confirmed', async () => {
    const created = await create({ redirectUrl: 'https://shop.example/thanks' });
    const status = async () =>
      (await app.inject({ method: 'GET', url: `/pay/${created.id}/status` })).json();
    await setState(created.id, { status: 'detected', amount_received: 5_000_000n });
    expect(await status()).toMatchObject({
      id: created.id,
      status: 'detected',
      exception: null,
      token: 'USDC',
      amount: '12.5',
      amount_received: '5',
      amount_remaining: '7.5',
      confirmations: 0,
      required_confirmations: 3,
      expires_at: created.expiresAt.toISOString(),
      payment_uri: `ethereum:${USDC}@31337/transfer?address=${created.address}&uint256=7500000`,
      redirect_url: null,
      title: 'Partial payment received',
      accepting_payment: true,
      final: false,
    });
    await setState(created.id, {
      status: 'confirmed',
      amount_received: 12_500_000n,
      confirmations: 3,
    });
    expect(await status()).toMatchObject({
      status: 'confirmed',
      confirmations: 3,
      redirect_url: 'https://shop.example/thanks',
      final: true,
    });
    const body = (await page(created.id)).body;
    expect(body).toMatch(/<p class="return" data-part="return">\s*<a [^>]*href="https:\/\/shop/);
    expect(body).toMatch(/data-part="pay" hidden>/);
  });

  it('a return URL that is not http(s) is never linked', async () => {
    const created = await create({ redirectUrl: 'javascript:alert(1)' });
    await setState(created.id, { status: 'confirmed', amount_received: 12_500_000n });
    const response = await app.inject({ method: 'GET', url: `/pay/${created.id}/status` });
    expect(response.json().redirect_url).toBeNull();
    expect((await page(created.id)).body).not.toContain('javascript:');
  });

  it('status, events and QR code of an unknown payment are problem documents', async () => {
    for (const path of ['status', 'events', 'qr.svg']) {
      const response = await app.inject({ method: 'GET', url: `/pay/${newId()}/${path}` });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.json()).toMatchObject({ code: 'PAYMENT_NOT_FOUND', status: 404 });
    }
  });

  it('the QR code is an SVG of the EIP-681 request for the amount still due', async () => {
    const created = await create();
    await setState(created.id, { status: 'detected', amount_received: 2_500_000n });
    const response = await app.inject({ method: 'GET', url: `/pay/${created.id}/qr.svg` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/svg+xml');
    const uri = `ethereum:${USDC}@31337/transfer?address=${created.address}&uint256=10000000`;
    expect(response.body).toBe(await renderQrCode(uri, { type: 'svg', margin: 2 }));
  });

  it('serves the stylesheet and script from memory with cache headers and revalidation', async () => {
    const { css, js } = loadCheckoutAssets();
    for (const asset of [css, js]) {
      const versioned = await app.inject({
        method: 'GET',
        url: `${asset.path}?v=${asset.version}`,
      });
      expect(versioned.statusCode).toBe(200);
      expect(versioned.headers['content-type']).toBe(asset.contentType);
      expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(versioned.rawPayload.equals(asset.body)).toBe(true);
      const plain = await app.inject({ method: 'GET', url: asset.path });
      expect(plain.headers['cache-control']).toBe('public, max-age=300');
      const again = await app.inject({
        method: 'GET',
        url: asset.path,
        headers: { 'if-none-match': String(plain.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });
});
