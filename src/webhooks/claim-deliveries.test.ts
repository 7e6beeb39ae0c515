import { beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { setupWebhookTestBed, type WebhookTestBed } from '../../test/webhook-fixtures.ts';
import { claimDueDeliveries, dispatchPaymentEvents } from './index.ts';

describe.each(engines)('claimDueDeliveries on %s', (engine) => {
  let bed: WebhookTestBed;

  beforeAll(async () => {
    bed = await setupWebhookTestBed(engine);
    return () => bed.teardown();
  });

  /** `count` payments with one due delivery each, to a fresh endpoint; returns the delivery ids. */
  async function dueDeliveries(count: number): Promise<string[]> {
    await bed.db.updateTable('webhook_endpoints').set({ enabled: false }).execute();
    const endpoint = await bed.createEndpoint({ url: 'http://127.0.0.1:9/unused' });
    for (let i = 0; i < count; i++) await bed.createTestPayment();
    while ((await dispatchPaymentEvents(bed.deps())) > 0);
    const rows = await bed.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', endpoint.id)
      .execute();
    return rows.map((r) => r.id);
  }

  it('never gives the same delivery to two claimers running at once', async () => {
    const ids = await dueDeliveries(60);
    const deps = bed.deps();
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => claimDueDeliveries(deps, { limit: 15 })),
    );
    const claimed = claims.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual([...ids].sort());
  });

  it('a claim that lapsed (its worker died) is claimable again; a live one is not', async () => {
    const ids = await dueDeliveries(2);
    const deps = bed.deps();
    expect((await claimDueDeliveries(deps, { limit: 10, claimMs: 300 })).sort()).toEqual(
      ids.sort(),
    );
    expect(await claimDueDeliveries(deps, { limit: 10 })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await claimDueDeliveries(deps, { limit: 10 })).sort()).toEqual(ids.sort());
  });

  it('the default claim outlasts the request timeout', async () => {
    const [id] = await dueDeliveries(1);
    const before = Date.now();
    await claimDueDeliveries(bed.deps({ settings: { timeoutMs: 10_000 } }), { limit: 10 });
    const row = await bed.db
      .selectFrom('webhook_deliveries')
      .select('claimed_until')
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect((row.claimed_until as Date).getTime() - before).toBeGreaterThan(10_000);
  });

  it('does not claim a delivery whose time has not come or whose endpoint is disabled', async () => {
    const [later, ofDisabled] = await dueDeliveries(2);
    await bed.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(Date.now() + 60_000) })
      .where('id', '=', later as string)
      .execute();
    const { endpoint_id } = await bed.db
      .selectFrom('webhook_deliveries')
      .select('endpoint_id')
      .where('id', '=', ofDisabled as string)
      .executeTakeFirstOrThrow();
    await bed.db
      .updateTable('webhook_endpoints')
      .set({ enabled: false })
      .where('id', '=', endpoint_id)
      .execute();
    expect(await claimDueDeliveries(bed.deps(), { limit: 10 })).toEqual([]);
  });
});
