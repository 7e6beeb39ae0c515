import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { type CreatedApiKey, createApiKey, type Scope } from '../src/api-keys/index.ts';
import { syncTokens } from '../src/chains/sync-tokens.ts';
import { type ChainConfig, loadSettings, type Settings } from '../src/config/index.ts';
import type { Engine } from '../src/db/engine.ts';
import type { Database } from '../src/db/models/index.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger, type Logger } from '../src/logger.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';
import { type OpenDatabase, setupMigratedDatabase } from './database.ts';
import { DEFAULT_STORE_ID } from './rows.ts';

/** Where the test app says it is reachable: checkout URLs start with it. */
export const TEST_PUBLIC_URL = 'https://pay.example.test';
export const TEST_USDC = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
export const TEST_DAI = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
export const SEPOLIA_USDC = '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238';

/** The devnet chain as a chains file would describe it; its RPC URL is never called. */
export const TEST_CHAIN: ChainConfig = {
  name: 'devnet',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:1'],
  confirmations: { kind: 'depth', blocks: 2 },
  reorgWindow: 16,
  pollIntervalMs: 1000,
  maxBlockRange: 10,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [
    { symbol: 'USDC', address: TEST_USDC, decimals: 6, underpaymentTolerance: 0n, minSweep: 0n },
    { symbol: 'DAI', address: TEST_DAI, decimals: 18, underpaymentTolerance: 10n, minSweep: 0n },
  ],
};

/** A second chain, so filters and catalogs have something to tell apart. */
export const SECOND_CHAIN: ChainConfig = {
  ...TEST_CHAIN,
  name: 'sepolia',
  chainId: 11_155_111,
  confirmations: { kind: 'tag', tag: 'finalized' },
  tokens: [
    {
      symbol: 'USDC',
      address: SEPOLIA_USDC,
      decimals: 6,
      underpaymentTolerance: 5000n,
      minSweep: 0n,
    },
  ],
};

export interface StartTestApiOptions {
  /** The chains the app serves and whose tokens are synced; TEST_CHAIN and SECOND_CHAIN by default. */
  readonly chains?: readonly ChainConfig[];
  /** Silent by default: a test that wants to see what the app logs passes its own. */
  readonly logger?: Logger;
}

export interface TestApiKey extends CreatedApiKey {
  /** The Authorization header of this key, to spread into `inject({ headers })`. */
  readonly headers: { readonly authorization: string };
}

export interface TestApi {
  readonly app: FastifyInstance;
  readonly db: Kysely<Database>;
  readonly opened: OpenDatabase;
  readonly settings: Settings;
  /** The first of the served chains. */
  readonly chain: ChainConfig;
  readonly chains: readonly ChainConfig[];
  readonly keys: {
    /** A new key of `storeId` (the default store) with `scopes` (read and write). */
    create(scopes?: readonly Scope[], storeId?: string): Promise<TestApiKey>;
  };
  /** Every response body the app sent, so a suite can check none leaks internals. */
  readonly bodies: readonly string[];
  teardown(): Promise<void>;
}

/**
 * The HTTP app on a migrated database of its own, with the chains' tokens synced and deposit
 * addresses from the development mnemonic; drive it with `app.inject()`. No node is needed:
 * creating, listing and canceling payments never calls the chain.
 */
export async function startTestApi(
  engine: Engine,
  options: StartTestApiOptions = {},
): Promise<TestApi> {
  const chains = options.chains ?? [TEST_CHAIN, SECOND_CHAIN];
  const opened = await setupMigratedDatabase(engine, (handle) => syncTokens(handle.db, chains));
  const db = opened.handle.db;
  const settings = loadSettings({
    // No rate limit in the way of suites that send hundreds of requests.
    env: { ENV: 'testing', PUBLIC_URL: TEST_PUBLIC_URL, RATE_LIMIT_PER_MINUTE: '1000000' },
    envFile: null,
  });
  let app: FastifyInstance;
  try {
    app = await buildApp({
      db,
      settings,
      logger: options.logger ?? createLogger('silent'),
      deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
      chains,
    });
  } catch (error) {
    await opened.teardown();
    throw error;
  }
  const bodies: string[] = [];
  app.addHook('onSend', async (_request, _reply, payload) => {
    if (typeof payload === 'string') bodies.push(payload);
    return payload;
  });
  return {
    app,
    db,
    opened,
    settings,
    chain: chains[0] as ChainConfig,
    chains,
    bodies,
    keys: {
      async create(scopes = ['payments:read', 'payments:write'], storeId = DEFAULT_STORE_ID) {
        const key = await createApiKey(db, {
          storeId,
          name: 'test',
          scopes,
          pepper: settings.secretKey,
        });
        return { ...key, headers: { authorization: `Bearer ${key.key}` } };
      },
    },
    async teardown() {
      try {
        await app.close();
      } finally {
        await opened.teardown();
      }
    },
  };
}

/** What a problem document of the API holds. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

/**
 * Asserts `response` is an RFC 9457 problem with `status` and `code` (and, when given, an
 * entry in `errors` for `field`), and returns its body.
 */
export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
  code: string,
  field?: string,
): ProblemBody {
  const body = response.json() as ProblemBody;
  expect({ status: response.statusCode, code: body.code }, response.body.slice(0, 500)).toEqual({
    status,
    code,
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(body).toMatchObject({
    type: expect.stringMatching(/^urn:ctrip:problem:/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  if (field !== undefined) {
    expect(body.errors?.map((e) => e.field) ?? [], response.body.slice(0, 500)).toContain(field);
    for (const error of body.errors ?? []) expect(error.message).toEqual(expect.any(String));
  }
  return body;
}

/** Whether a body shows a stack trace or a source location (`at fn (/x/y.ts:12:3)`). */
export function leaksInternals(body: string): boolean {
  return /\bat .*\.[cm]?[jt]s:\d+/.test(body) || /"stack"\s*:/.test(body);
}
