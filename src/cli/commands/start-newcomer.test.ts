import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import {
  closedPort,
  killAllProcesses,
  startCtrip,
  waitUntil,
} from '../../../test/scripts/processes.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/webhook-receiver.ts';

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await killAllProcesses();
});

describe('npm start as a newcomer runs it', () => {
  // Spawns the gateway, Anvil and the CLI: minutes on a loaded 2-core machine, seconds on a quiet one.
  it('gives a working gateway: the printed key creates a payment and a webhook endpoint, devnet pay pays it, the API shows it settled (swept to the devnet treasury) and every event arrives signed', {
    timeout: 240_000,
  }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ctrip-newcomer-'));
    const port = await closedPort();
    // Nothing but a free port: no database, chain, key or token is configured.
    const gateway = startCtrip(['start'], { env: { PORT: String(port) }, cwd });
    await gateway.waitForStdout('npx ctrip devnet pay', 90_000);
    const stdout = gateway.stdout();
    const key = /Bearer (ctrip_[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
    expect(key, gateway.output()).toBeDefined();
    expect(stdout).toContain(`API docs: http://127.0.0.1:${port}/docs`);

    // The curl example, as a newcomer would paste it.
    const api = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    // The development key may manage webhooks: a newcomer's local receiver is allowed.
    receiver = await startWebhookReceiver({ replies: [200] });
    const endpoint = await fetch(`${api}/v1/webhook-endpoints`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(endpoint.status).toBe(201);
    const { secret } = (await endpoint.json()) as { secret: string };
    const created = await fetch(`${api}/v1/payments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ chain: 'devnet', token: 'USDC', amount: '10' }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string; status: string; checkout_url: string };
    expect(payment.status).toBe('pending');

    const paid = await runCtrip(['devnet', 'pay', payment.id, '--json'], {}, { cwd });
    expect(paid.code, paid.stderr).toBe(0);
    expect(JSON.parse(paid.stdout)).toMatchObject({ amount: '10', token: 'USDC' });

    // Confirmed, then swept to the devnet treasury by the development hot wallet: settled.
    const settled = await waitUntil(
      'the payment is settled through the API',
      async () => {
        // Twice a second: faster polling would run into the API's rate limit before the sweep.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const response = await fetch(`${api}/v1/payments/${payment.id}`, { headers });
        const body = (await response.json()) as {
          status: string;
          amount_received: string;
          events: { type: string }[];
        };
        return body.status === 'settled' ? body : undefined;
      },
      90_000,
      gateway.output,
    );
    expect(settled.amount_received).toBe('10');
    expect(settled.events.map((e) => e.type)).toEqual([
      'payment.created',
      'payment.detected',
      'payment.confirmed',
      'payment.settled',
    ]);
    const hooks = await receiver.waitForRequests(4, 30_000);
    const verifier = new Webhook(secret);
    const delivered = hooks.map(
      (hook) =>
        verifier.verify(hook.body, {
          'webhook-id': String(hook.headers['webhook-id']),
          'webhook-timestamp': String(hook.headers['webhook-timestamp']),
          'webhook-signature': String(hook.headers['webhook-signature']),
        }) as { type: string; data: { id: string } },
    );
    expect(delivered.map((event) => [event.type, event.data.id])).toEqual(
      settled.events.map((event) => [event.type, payment.id]),
    );
    const page = await fetch(payment.checkout_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Payment confirmed');

    gateway.kill('SIGINT');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    // The embedded chain went down with the gateway.
    const devnetGone = await runCtrip(['devnet', 'pay', payment.id], {}, { cwd });
    expect(devnetGone.code).not.toBe(0);
    expect(devnetGone.stderr).toMatch(/no devnet is running/);
  });
});
