import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevChain, startDevChain } from '../../../test/devchain.ts';
import { scanToHead, startTestGateway, type TestGateway } from '../../../test/gateway.ts';
import { parseTokenAmount } from '../../amounts.ts';
import { loadSettings } from '../../config/index.ts';
import { createLogger } from '../../logger.ts';
import { cancelPayment } from '../../payments/cancel-payment.ts';
import { createPayment } from '../../payments/create-payment.ts';
import { buildApp } from '../app.ts';

const ARTIFACTS = fileURLToPath(new URL('../../../test/artifacts/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RETURN_URL = 'https://shop.example/thanks?order=42';

/** Everything a page reports as an error: a CSP violation or a script failure shows up here. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

// SQLite only: what differs between the engines is the queries, which the inject tests beside
// this one run on both; this test is about what a real browser does with the page.
describe('checkout page in headless Chromium', () => {
  let chain: DevChain;
  let gateway: TestGateway;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    chain = await startDevChain();
    const config = chain.config();
    gateway = await startTestGateway('sqlite', config);
    app = await buildApp({
      db: gateway.db,
      settings: loadSettings({ env: { ENV: 'testing' }, envFile: null }),
      logger: createLogger('silent'),
      deriver: gateway.payments.deriver,
      chains: [config],
    });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await gateway?.teardown();
    await chain?.stop();
  });

  it('without JavaScript the page shows the amount, the address, the expiry and the status', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '3.25',
    });
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${baseUrl}/pay/${created.id}`);
      expect(await page.getByLabel('Amount to send', { exact: true }).inputValue()).toBe('3.25');
      expect(await page.getByLabel('Deposit address', { exact: true }).inputValue()).toBe(
        created.address,
      );
      expect(await page.getByRole('status').textContent()).toContain('Waiting for payment');
      expect(await page.locator('time').textContent()).toMatch(/UTC$/);
      expect(await page.getByRole('img', { name: /QR code/ }).isVisible()).toBe(true);
      // Copying needs the script: without it the buttons stay out of the way.
      expect(await page.getByRole('button', { name: 'Copy deposit address' }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a payer reads the address and amount, pays on Anvil, and sees it confirmed without a reload', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '12.5',
      redirectUrl: RETURN_URL,
    });
    const context = await browser.newContext({ viewport: { width: 360, height: 780 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${baseUrl}/pay/${created.id}`);

      const address = await page.getByLabel('Deposit address', { exact: true }).inputValue();
      const amount = await page.getByLabel('Amount to send', { exact: true }).inputValue();
      expect(address).toBe(created.address);
      expect(amount).toBe('12.5');
      expect(await page.getByRole('timer').textContent()).toMatch(/^Time left: (2\d|30):\d\d$/);
      // Nothing wider than a small phone's screen.
      expect(
        await page.evaluate<number>('document.documentElement.scrollWidth'),
      ).toBeLessThanOrEqual(360);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}checkout-pending.png`, fullPage: true });

      const copy = page.getByRole('button', { name: 'Copy deposit address' });
      await copy.focus();
      await page.keyboard.press('Enter');
      // Copying awaits the clipboard, so the label changes a moment after the key press.
      await expect.poll(() => copy.textContent(), { timeout: 5_000 }).toBe('Copied');
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(address);

      // A reload would drop this mark: the status must change in place.
      await page.evaluate("document.body.dataset.notReloaded = 'yes'");
      const status = page.getByRole('status');
      await chain.sendToken(chain.usdc, address, parseTokenAmount(amount, 6));
      const scanner = await gateway.scanner();
      await scanToHead(scanner);
      await status.getByText('Payment detected').waitFor({ timeout: 10_000 });
      expect(await status.textContent()).toContain('Waiting for confirmations on anvil: 1 of 3.');
      expect(await page.getByLabel('Deposit address', { exact: true }).isVisible()).toBe(false);

      await chain.mine(2);
      await scanToHead(scanner);
      await status.getByText('Payment confirmed').waitFor({ timeout: 10_000 });
      const back = page.getByRole('link', { name: 'Return to the merchant' });
      await back.waitFor({ timeout: 2000 });
      expect(await back.getAttribute('href')).toBe(RETURN_URL);
      expect(await page.evaluate<string>('document.body.dataset.notReloaded')).toBe('yes');

      await page.screenshot({ path: `${ARTIFACTS}checkout-confirmed.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('when the event stream is refused, the page polls the status instead', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'DAI',
      amount: '1',
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // As a proxy that does not pass streams would answer.
      await page.route('**/events', (route) => route.fulfill({ status: 503, body: '' }));
      const polled = page.waitForRequest((request) => request.url().endsWith('/status'));
      await page.goto(`${baseUrl}/pay/${created.id}`);
      await polled;
      await cancelPayment(gateway.db, created.id);
      await page.getByRole('status').getByText('Payment canceled').waitFor({ timeout: 10_000 });
      expect(await page.getByLabel('Deposit address', { exact: true }).isVisible()).toBe(false);
    } finally {
      await context.close();
    }
  });
});
