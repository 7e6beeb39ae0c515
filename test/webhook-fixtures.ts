import type { Kysely } from 'kysely';
import { syncTokens } from '../src/chains/sync-tokens.ts';
import type { ChainConfig } from '../src/config/chains-file.ts';
import { Secret } from '../src/config/secret.ts';
import type { WebhookSettings } from '../src/config/settings.ts';
import type { Engine } from '../src/db/engine.ts';
import { newId } from '../src/db/ids.ts';
import type { Database } from '../src/db/models/index.ts';
import { createPayment } from '../src/payments/create-payment.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';
import { generateEndpointSecret, sealEndpointSecret } from '../src/webhooks/endpoint-secrets.ts';
import {
  claimDueDeliveries,
  type DeliverWebhookResult,
  deliverWebhook,
  dispatchPaymentEvents,
  type WebhookDeps,
} from '../src/webhooks/index.ts';
import { setupMigratedDatabase } from './database.ts';

/**
 * A migrated database with a token to make payments of, and helpers to add webhook endpoints
 * and run the delivery engine, for tests of webhooks on either engine.
 */

export const TEST_SECRET_KEY = new Secret('webhook-tests-secret-key-0123456789abcdef');
export const PUBLIC_URL = 'https://pay.example.test';
export const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';

export const TEST_CHAIN: ChainConfig = {
  name: 'devnet',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:1'],
  confirmations: { kind: 'depth', blocks: 3 },
  reorgWindow: 16,
  pollIntervalMs: 100,
  maxBlockRange: 50,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [{ symbol: 'USDC', address: USDC, decimals: 6, underpaymentTolerance: 0n, minSweep: 0n }],
};

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export interface NewTestEndpoint {
  readonly url: string;
  readonly storeId?: string;
  readonly eventTypes?: string[] | null;
  readonly enabled?: boolean;
  /** A rotated-out secret still signing until `expiresAt`. */
  readonly previous?: { readonly secret: string; readonly expiresAt: Date };
}

export interface WebhookTestBed {
  readonly db: Kysely<Database>;
  /** Every line the deps' logger was given, in order. */
  readonly logs: LogLine[];
  /** Deps for the engine: private URLs allowed, 2 s timeout, unless `overrides` say otherwise. */
  deps(
    overrides?: Partial<Omit<WebhookDeps, 'settings'>> & { settings?: Partial<WebhookSettings> },
  ): WebhookDeps;
  /** Inserts an endpoint (sealed secret, like the API does); returns its id and plain secret. */
  createEndpoint(endpoint: NewTestEndpoint): Promise<{ id: string; secret: string }>;
  /** A USDC payment made with createPayment (which records `payment.created`). */
  createTestPayment(storeId?: string): Promise<string>;
  teardown(): Promise<void>;
}

export async function setupWebhookTestBed(engine: Engine): Promise<WebhookTestBed> {
  const opened = await setupMigratedDatabase(engine);
  const db = opened.handle.db;
  await syncTokens(db, [TEST_CHAIN]);
  const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC });
  const logs: LogLine[] = [];
  const record =
    (level: LogLine['level']) =>
    (fields: Record<string, unknown>, message = '') => {
      logs.push({ level, fields, message });
    };
  const logger = {
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  } as unknown as WebhookDeps['logger'];

  return {
    db,
    logs,
    deps(overrides = {}) {
      const { settings, ...rest } = overrides;
      return {
        db,
        secretKey: TEST_SECRET_KEY,
        publicUrl: PUBLIC_URL,
        chains: [TEST_CHAIN],
        logger,
        ...rest,
        settings: {
          allowPrivateUrls: true,
          timeoutMs: 2_000,
          disableAfterFailingMs: 5 * 86_400_000,
          ...settings,
        },
      };
    },
    async createEndpoint(endpoint) {
      const id = newId();
      const secret = generateEndpointSecret();
      await db
        .insertInto('webhook_endpoints')
        .values({
          id,
          store_id: endpoint.storeId ?? (await defaultStoreId(db)),
          url: endpoint.url,
          event_types: endpoint.eventTypes ?? null,
          enabled: endpoint.enabled ?? true,
          secret: sealEndpointSecret(secret, TEST_SECRET_KEY),
          previous_secret: endpoint.previous
            ? sealEndpointSecret(endpoint.previous.secret, TEST_SECRET_KEY)
            : null,
          previous_secret_expires_at: endpoint.previous?.expiresAt ?? null,
        })
        .execute();
      return { id, secret };
    },
    async createTestPayment(storeId) {
      const payment = await createPayment(
        { db, deriver, policy: { defaultLifetimeSeconds: 1800, lateWindowSeconds: 86_400 } },
        { chain: 'devnet', token: 'USDC', amount: '12.5', ...(storeId ? { storeId } : {}) },
      );
      return payment.id;
    },
    teardown: opened.teardown,
  };
}

async function defaultStoreId(db: Kysely<Database>): Promise<string> {
  const store = await db
    .selectFrom('stores')
    .select('id')
    .where('name', '=', 'default')
    .executeTakeFirstOrThrow();
  return store.id;
}

/**
 * Runs the engine the way a worker does until nothing is due: dispatch the outbox, claim,
 * deliver each claimed delivery. Returns every delivery's result in order.
 */
export async function deliverAllDue(
  deps: WebhookDeps,
  options: { readonly maxRounds?: number } = {},
): Promise<DeliverWebhookResult[]> {
  const results: DeliverWebhookResult[] = [];
  for (let round = 0; round < (options.maxRounds ?? 100); round++) {
    while ((await dispatchPaymentEvents(deps)) > 0);
    const claimed = await claimDueDeliveries(deps, { limit: 50 });
    if (claimed.length === 0) return results;
    results.push(...(await Promise.all(claimed.map((id) => deliverWebhook(deps, id)))));
  }
  return results;
}
