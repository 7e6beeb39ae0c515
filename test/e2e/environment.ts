/**
 * One end-to-end test's world: a fresh Anvil chain with the test tokens, a migrated database of
 * its own with the chain's tokens synced, a queue prefix of its own on the shared Redis, a
 * treasury nobody else pays, a hot wallet for gas top-ups, and `ctrip worker` processes started
 * against all of that as an operator would start them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Address } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { createApiKey } from '../../src/api-keys/index.ts';
import type { ChainConfig } from '../../src/config/chains-file.ts';
import { Secret } from '../../src/config/secret.ts';
import type { Engine } from '../../src/db/engine.ts';
import { newId } from '../../src/db/ids.ts';
import { DEVNET_PAYER_KEYS } from '../../src/devnet/accounts.ts';
import { type CreatedPayment, createPayment } from '../../src/payments/create-payment.ts';
import { generateEndpointSecret, sealEndpointSecret } from '../../src/webhooks/endpoint-secrets.ts';
import { type DevChain, startDevChain, writeChainsFile } from '../devchain.ts';
import { startTestGateway, type TestGateway } from '../gateway.ts';
import { DEFAULT_STORE_ID } from '../rows.ts';
import {
  closedPort,
  killAllProcesses,
  type RunningProcess,
  startCtrip,
} from '../scripts/processes.ts';

export const CHAIN = 'anvil';
export const REDIS_URL = 'redis://127.0.0.1:6379';
/** The variable that names a worker's queue prefix on Redis (src/config/settings.ts). */
export const QUEUE_PREFIX_VARIABLE = 'JOBS_QUEUE_PREFIX';
/**
 * Anvil's account 3 pays the sweeps' gas top-ups: apart from the deployer (account 0) and
 * the payer (account 1), so no two senders share nonces.
 */
const HOT_WALLET_KEY = DEVNET_PAYER_KEYS[2];
/** Signs every endpoint secret the workers open; what a real deployment keeps in SECRET_KEY. */
const SECRET_KEY = `e2e-${randomBytes(24).toString('hex')}`;

export interface E2eOptions {
  readonly engine: Engine;
  /** Replaces fields of the chain's configuration (the chains file the workers read). */
  readonly chain?: Partial<ChainConfig>;
  /** More variables for every worker (WEBHOOK_TIMEOUT_MS…). */
  readonly env?: Record<string, string>;
}

export interface WebhookEndpoint {
  readonly id: string;
  /** The `whsec_…` secret the merchant verifies with. */
  readonly secret: string;
}

/** A `ctrip serve` process and a key of the default store with every scope. */
export interface E2eApi {
  readonly process: RunningProcess;
  /** Sends a JSON request with the key; returns the status and the parsed body. */
  request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

export interface E2eEnvironment {
  readonly chain: DevChain;
  readonly gateway: TestGateway;
  readonly db: TestGateway['db'];
  readonly treasury: Address;
  /** The hot wallet that pays the deposit addresses' gas (lower-case). */
  readonly hotWallet: string;
  readonly tokens: readonly Address[];
  /** The first block of this test: everything on the chain from here on is its doing. */
  readonly firstBlock: bigint;
  /** Whether workers run their jobs through BullMQ on Redis (PostgreSQL) or in-process. */
  readonly redis: boolean;
  readonly env: Readonly<Record<string, string>>;
  startWorker(env?: Record<string, string>): RunningProcess;
  /** Starts `ctrip serve` on a free port and waits until it listens. */
  startApi(): Promise<E2eApi>;
  /** Registers an endpoint of the default store for every event type. */
  createEndpoint(url: string): Promise<WebhookEndpoint>;
  createPayment(token: string, amount: string): Promise<CreatedPayment>;
  /** The Redis keys under this test's queue prefix: none unless workers used BullMQ. */
  queueKeys(): Promise<string[]>;
  teardown(): Promise<void>;
}

/** Starts the chain and the database; workers are started by the test. */
export async function startE2eEnvironment(options: E2eOptions): Promise<E2eEnvironment> {
  const chain = await startDevChain();
  const dir = mkdtempSync(join(tmpdir(), 'ctrip-e2e-'));
  let gateway: TestGateway | undefined;
  const prefix = `ctrip-e2e-${randomBytes(6).toString('hex')}`;
  const redis = options.engine === 'postgres';
  try {
    const firstBlock = (await chain.head()) + 1n;
    const overrides: Partial<ChainConfig> = {
      startBlock: firstBlock,
      pollIntervalMs: 50,
      confirmations: { kind: 'depth', blocks: 3 },
      ...options.chain,
    };
    const chainsPath = writeChainsFile(chain, dir, overrides);
    gateway = await startTestGateway(options.engine, chain.config(overrides));
    const treasury = `0x${randomBytes(20).toString('hex')}` as Address;
    const env: Record<string, string> = {
      ...gateway.opened.database.env,
      CHAINS_FILE: chainsPath,
      LOG_LEVEL: 'info',
      SECRET_KEY,
      PRIVATE_KEY: HOT_WALLET_KEY,
      TREASURY_ADDRESS: treasury,
      ...(redis ? { REDIS_URL, [QUEUE_PREFIX_VARIABLE]: prefix } : {}),
      ...options.env,
    };
    const opened = gateway;
    return {
      chain,
      gateway: opened,
      db: opened.db,
      treasury,
      hotWallet: privateKeyToAddress(HOT_WALLET_KEY).toLowerCase(),
      tokens: [chain.usdc, chain.dai, chain.usdt],
      firstBlock,
      redis,
      env,
      startWorker: (more = {}) => startCtrip(['worker'], { env: { ...env, ...more }, cwd: dir }),
      async startApi() {
        const port = await closedPort();
        const apiProcess = startCtrip(['serve'], {
          env: { ...env, PORT: String(port), RATE_LIMIT_PER_MINUTE: '1000000' },
          cwd: dir,
        });
        await apiProcess.waitForStdout('cTrip API listening', 60_000);
        const key = await createApiKey(opened.db, {
          storeId: DEFAULT_STORE_ID,
          name: 'e2e',
          scopes: ['payments:read', 'payments:write', 'webhooks:manage'],
          pepper: new Secret(SECRET_KEY),
        });
        return {
          process: apiProcess,
          async request(method, path, body) {
            const response = await fetch(`http://127.0.0.1:${port}${path}`, {
              method,
              headers: {
                authorization: `Bearer ${key.key}`,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            return {
              status: response.status,
              body: (await response.json()) as Record<string, unknown>,
            };
          },
        };
      },
      async createEndpoint(url) {
        const secret = generateEndpointSecret();
        const id = newId();
        await opened.db
          .insertInto('webhook_endpoints')
          .values({
            id,
            store_id: DEFAULT_STORE_ID,
            url,
            description: 'e2e receiver',
            event_types: null,
            secret: sealEndpointSecret(secret, new Secret(SECRET_KEY)),
          })
          .execute();
        return { id, secret };
      },
      createPayment: (token, amount) =>
        createPayment(opened.payments, { chain: CHAIN, token, amount }),
      queueKeys: () => (redis ? scanQueueKeys(prefix) : Promise.resolve([])),
      async teardown() {
        await killAllProcesses();
        try {
          if (redis) await deleteQueueKeys(prefix);
        } finally {
          await opened.teardown();
          await chain.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await gateway?.teardown();
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Removes this test's queues from the shared Redis; other tests' keys have other prefixes. */
async function deleteQueueKeys(prefix: string): Promise<void> {
  await withRedis(async (client) => {
    const keys = await scanKeys(client, prefix);
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  });
}

function scanQueueKeys(prefix: string): Promise<string[]> {
  return withRedis((client) => scanKeys(client, prefix));
}

async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

async function withRedis<T>(use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}
