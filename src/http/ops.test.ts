import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAnvil } from '../../test/anvil.ts';
import {
  engines,
  type OpenDatabase,
  openDatabase,
  setupMigratedDatabase,
} from '../../test/database.ts';
import { projectRevisions } from '../../test/migrations-dir.ts';
import { buildOpsApp, opsChain } from '../../test/ops-app.ts';
import { deleteKeysUnder, REDIS_URL, uniqueQueuePrefix } from '../../test/redis.ts';
import { insertToken, paymentRow } from '../../test/rows.ts';
import { createChainClient } from '../chains/index.ts';
import { loadSettings } from '../config/index.ts';
import { createDatabase } from '../db/create-database.ts';
import { createMigrator, MIGRATIONS_DIR } from '../db/migrate/index.ts';
import type { Database } from '../db/models/index.ts';
import { createBullmqRunner } from '../jobs/bullmq-runner.ts';

const CHAIN = opsChain({ name: 'anvil', pollIntervalMs: 1000 });

async function saveChainState(
  db: Kysely<Database>,
  fields: { chain?: string; headSeenAt?: Date | null; halted?: string | null } = {},
): Promise<void> {
  const chain = fields.chain ?? CHAIN.name;
  await db.deleteFrom('chain_states').where('chain', '=', chain).execute();
  await db
    .insertInto('chain_states')
    .values({
      chain,
      last_scanned_block: 90n,
      last_scanned_hash: `0x${'ab'.repeat(32)}`,
      head_block: 100n,
      head_seen_at: fields.headSeenAt === undefined ? new Date() : fields.headSeenAt,
      halted_reason: fields.halted ?? null,
    })
    .execute();
}

describe.each(engines)('ops endpoints on %s', (engine) => {
  let opened: OpenDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    opened = await setupMigratedDatabase(engine);
    app = await buildOpsApp(opened.handle.db, { chains: [CHAIN] });
    return async () => {
      await app.close();
      await opened.teardown();
    };
  });

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('/health answers 200 ok without an API key', async () => {
    const response = await get('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('/ready is 200 on a migrated database whose chain head is fresh', async () => {
    await saveChainState(opened.handle.db, { headSeenAt: new Date(Date.now() - 5_000) });
    const response = await get('/ready');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      checks: {
        database: { ok: true },
        migrations: { ok: true },
        chains: {
          anvil: {
            ok: true,
            head: 100,
            cursor: 90,
            lag: 10,
            head_age_seconds: expect.any(Number),
          },
        },
      },
    });
    const age = response.json().checks.chains.anvil.head_age_seconds;
    expect(age).toBeGreaterThanOrEqual(4);
    expect(age).toBeLessThan(60);
  });

  it('/ready is 503 naming the chain whose head has not been seen for over a minute', async () => {
    await saveChainState(opened.handle.db, { headSeenAt: new Date(Date.now() - 5 * 60_000) });
    const response = await get('/ready');
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.status).toBe('unavailable');
    expect(body.checks.database).toEqual({ ok: true });
    expect(body.checks.migrations).toEqual({ ok: true });
    expect(body.checks.chains.anvil).toMatchObject({ ok: false, head: 100, cursor: 90 });
    expect(body.checks.chains.anvil.error).toMatch(/head last seen 300 s ago \(limit 60 s\)/);
  });

  it('/ready allows ten poll intervals when that is longer than a minute', async () => {
    const slow = opsChain({ name: 'slow', pollIntervalMs: 12_000 });
    const slowApp = await buildOpsApp(opened.handle.db, { chains: [slow] });
    try {
      await saveChainState(opened.handle.db, {
        chain: 'slow',
        headSeenAt: new Date(Date.now() - 100_000),
      });
      expect((await slowApp.inject({ url: '/ready' })).statusCode).toBe(200);
      await saveChainState(opened.handle.db, {
        chain: 'slow',
        headSeenAt: new Date(Date.now() - 130_000),
      });
      expect((await slowApp.inject({ url: '/ready' })).statusCode).toBe(503);
    } finally {
      await slowApp.close();
    }
  });

  it('/ready is 503 with the reason when a chain is halted, even with a fresh head', async () => {
    const reason = 'reorg deeper than the window of 16 blocks at block 95';
    await saveChainState(opened.handle.db, { halted: reason });
    const response = await get('/ready');
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.chains.anvil).toMatchObject({
      ok: false,
      halted: reason,
      error: expect.stringMatching(/halted/),
    });
  });

  it('/ready is 503 when a served chain has no scanner state yet', async () => {
    await opened.handle.db.deleteFrom('chain_states').execute();
    const response = await get('/ready');
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.chains.anvil).toEqual({
      ok: false,
      head: null,
      cursor: null,
      lag: null,
      head_age_seconds: null,
      error: 'no scanner has recorded this chain yet',
    });
  });

  it('/metrics counts requests by route pattern, never by raw URL', async () => {
    const id = '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    await get(`/v1/payments/${id}`);
    await get(`/v1/payments/${id}`);
    await get('/no/such/path/4242');
    await get('/health');
    const response = await get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/v1\/payments\/:id",status="401"\} 2\n/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} 1\n/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} \d+\n/);
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/payments\/:id",status="401"\} 2\n/,
    );
    expect(text).not.toContain(id);
    expect(text).not.toContain('4242');
  });

  it('/metrics reports payments by status and each chain scanner lag and head age', async () => {
    const db = opened.handle.db;
    await saveChainState(db, { headSeenAt: new Date(Date.now() - 30_000) });
    const tokenId = await insertToken(db, { chain: 'metrics-test' });
    await db
      .insertInto('payments')
      .values([
        // Every row names its status: SQLite has no DEFAULT in a multi-row insert.
        paymentRow(tokenId, { chain: 'metrics-test', status: 'pending' }),
        paymentRow(tokenId, { chain: 'metrics-test', status: 'pending' }),
        paymentRow(tokenId, { chain: 'metrics-test', status: 'confirmed' }),
      ])
      .execute();
    const text = (await get('/metrics')).body;
    expect(text).toContain('# TYPE ctrip_payments gauge');
    expect(text).toContain('ctrip_payments{status="pending"} 2\n');
    expect(text).toContain('ctrip_payments{status="confirmed"} 1\n');
    expect(text).toContain('ctrip_payments{status="settled"} 0\n');
    expect(text).toContain('ctrip_scanner_lag_blocks{chain="anvil"} 10\n');
    const age = Number(
      /ctrip_scanner_head_age_seconds\{chain="anvil"\} ([0-9.]+)\n/.exec(text)?.[1],
    );
    expect(age).toBeGreaterThanOrEqual(30);
    expect(age).toBeLessThan(90);
    // No chain clients in this app: the RPC metrics are declared but have no series.
    expect(text).toContain('# TYPE ctrip_rpc_errors_total counter');
    expect(text).not.toMatch(/^ctrip_rpc_errors_total\{/m);
  });

  it('/ready and /metrics report the job queues when REDIS_URL is set, and /ready fails on "queue" when Redis is down', async () => {
    await saveChainState(opened.handle.db);
    const prefix = uniqueQueuePrefix();
    // A worker's queues: two deliveries waiting (no worker runs), one expiry that failed.
    const producer = createBullmqRunner({
      redisUrl: REDIS_URL,
      prefix,
      shutdownTimeoutMs: 1_000,
      logger: { info() {}, warn() {}, error() {} },
    });
    producer.define({ name: 'webhook-deliver', run: async () => {} });
    producer.define({
      name: 'expire',
      run: async () => {
        throw new Error('boom');
      },
    });
    const app = await buildOpsApp(opened.handle.db, {
      chains: [CHAIN],
      env: { REDIS_URL, JOBS_QUEUE_PREFIX: prefix },
    });
    try {
      await producer.enqueue('webhook-deliver', { deliveryId: 'a' }, { key: 'deliver:a' });
      await producer.enqueue('webhook-deliver', { deliveryId: 'b' }, { key: 'deliver:b' });
      await producer.enqueue('expire', {}, { key: 'once' });
      const failing = createBullmqRunner({
        redisUrl: REDIS_URL,
        prefix,
        shutdownTimeoutMs: 1_000,
        logger: { info() {}, warn() {}, error() {} },
      });
      failing.define({
        name: 'expire',
        run: async () => {
          throw new Error('boom');
        },
      });
      await failing.start();
      const deadline = Date.now() + 10_000;
      let ready = (await app.inject({ url: '/ready' })).json();
      while (ready.checks.queue?.failed !== 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = (await app.inject({ url: '/ready' })).json();
      }
      await failing.stop();
      expect(ready.status).toBe('ok');
      expect(ready.checks.queue).toEqual({
        ok: true,
        waiting: 2,
        delayed: 0,
        active: 0,
        failed: 1,
      });

      const metrics = (await app.inject({ url: '/metrics' })).body;
      expect(metrics).toContain('ctrip_queue_jobs{kind="webhook-deliver",state="waiting"} 2');
      expect(metrics).toContain('ctrip_queue_jobs{kind="scan",state="waiting"} 0');
      expect(metrics).toContain('ctrip_queue_failed_jobs{kind="expire"} 1');
      expect(metrics).toContain('ctrip_queue_failed_jobs{kind="webhook-deliver"} 0');
    } finally {
      await app.close();
      await producer.stop();
      await deleteKeysUnder(prefix);
    }

    // Redis gone: /ready names the queue (and Redis) as what fails, /metrics still answers.
    const vacant = await startFailingServer();
    await new Promise((resolve) => vacant.server.close(resolve));
    const down = await buildOpsApp(opened.handle.db, {
      chains: [CHAIN],
      env: {
        REDIS_URL: `redis://127.0.0.1:${new URL(vacant.url).port}`,
        JOBS_QUEUE_PREFIX: prefix,
      },
    });
    try {
      const response = await down.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().checks.queue).toMatchObject({ ok: false });
      const metrics = await down.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).not.toContain('ctrip_queue_jobs{');
    } finally {
      await down.close();
    }
  });
});

describe.each(engines)('ops endpoints on a %s database behind on migrations', (engine) => {
  let opened: OpenDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    opened = await openDatabase(engine);
    const first = projectRevisions()[0] as string;
    await createMigrator({
      db: opened.handle.db,
      migrationsDir: MIGRATIONS_DIR,
      lockTimeoutMs: 10_000,
    }).upgrade(first);
    app = await buildOpsApp(opened.handle.db, { chains: [CHAIN] });
    return async () => {
      await app.close();
      await opened.teardown();
    };
  });

  it('/ready is 503 naming the pending migrations while /health stays 200', async () => {
    const response = await app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.status).toBe('unavailable');
    expect(body.checks.database).toEqual({ ok: true });
    expect(body.checks.migrations).toEqual({
      ok: false,
      error: 'migrations are pending; run ctrip migrate upgrade',
      pending: projectRevisions().slice(1),
    });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});

/** A real HTTP server that answers every request with a 503, standing in for a failing RPC. */
async function startFailingServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(503).end('down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

describe('ops endpoints with chain clients and Redis', () => {
  let opened: OpenDatabase;

  beforeAll(async () => {
    opened = await setupMigratedDatabase('sqlite');
    return () => opened.teardown();
  });

  it('/ready checks each chain RPC and /metrics reports endpoint errors, never the secret URL path', async () => {
    const anvil = await startAnvil();
    const failing = await startFailingServer();
    const live = opsChain({ name: 'live', rpcUrls: [anvil.url] });
    const broken = opsChain({ name: 'broken', rpcUrls: [`${failing.url}/v3/SECRET-API-KEY`] });
    const clients = new Map(
      [live, broken].map((c) => [
        c.name,
        createChainClient({
          name: c.name,
          chainId: c.chainId,
          rpcUrls: c.rpcUrls,
          timeoutMs: 2000,
        }),
      ]),
    );
    const app = await buildOpsApp(opened.handle.db, {
      chains: [live, broken],
      chainClients: clients,
    });
    try {
      await saveChainState(opened.handle.db, { chain: 'live' });
      await saveChainState(opened.handle.db, { chain: 'broken' });
      const response = await app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.checks.chains.live).toMatchObject({ ok: true });
      expect(body.checks.chains.broken).toMatchObject({
        ok: false,
        error: 'RPC: no endpoint answered',
      });
      expect(response.body).not.toContain('SECRET');
      expect(response.body).not.toContain(failing.url);

      const metrics = (await app.inject({ url: '/metrics' })).body;
      const endpoint = `${failing.url}/…`;
      expect(metrics).toMatch(
        new RegExp(`ctrip_rpc_errors_total\\{chain="broken",endpoint="${endpoint}"\\} [1-9]`),
      );
      expect(metrics).toMatch(
        new RegExp(`ctrip_rpc_errors_total\\{chain="live",endpoint="${anvil.url}"\\} 0\\n`),
      );
      expect(metrics).toMatch(
        new RegExp(`ctrip_rpc_latency_seconds\\{chain="live",endpoint="${anvil.url}"\\} [0-9.e-]+`),
      );
      expect(metrics).not.toContain('SECRET');
    } finally {
      await app.close();
      await anvil.stop();
      await new Promise((resolve) => failing.server.close(resolve));
    }
  });

  it('/ready is 503 when the database does not answer, naming neither its host nor password', async () => {
    const vacant = await startFailingServer();
    await new Promise((resolve) => vacant.server.close(resolve));
    const port = new URL(vacant.url).port;
    const { database } = loadSettings({
      env: { ENV: 'testing', DATABASE_URL_DEV: `postgresql://ctrip:pw-secret@127.0.0.1:${port}/x` },
      envFile: null,
    });
    const unreachable = createDatabase(database);
    const app = await buildOpsApp(unreachable.db, { chains: [CHAIN] });
    try {
      const response = await app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      const { checks } = response.json();
      expect(checks.database).toEqual({ ok: false, error: 'no answer' });
      expect(checks.migrations).toEqual({ ok: false, error: 'no answer' });
      expect(checks.chains.anvil).toMatchObject({
        ok: false,
        error: 'chain state could not be read',
      });
      expect(response.body).not.toContain('pw-secret');
      expect(response.body).not.toContain(port);
      expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
      // A scrape still answers: the gauges read from the database are left empty.
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).not.toMatch(/^ctrip_payments\{/m);
    } finally {
      await app.close();
      await unreachable.close();
    }
  });

  it('/ready reports Redis when REDIS_URL is set, failing without naming it when it is down', async () => {
    await saveChainState(opened.handle.db);
    const up = await buildOpsApp(opened.handle.db, {
      chains: [CHAIN],
      env: { REDIS_URL: 'redis://127.0.0.1:6379' },
    });
    try {
      const response = await up.inject({ url: '/ready' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().checks.redis).toEqual({ ok: true });
    } finally {
      await up.close();
    }

    // A port nothing listens on: take a free one and let it go.
    const vacant = await startFailingServer();
    await new Promise((resolve) => vacant.server.close(resolve));
    const port = new URL(vacant.url).port;
    const down = await buildOpsApp(opened.handle.db, {
      chains: [CHAIN],
      env: { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` },
    });
    try {
      const response = await down.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().checks.redis).toMatchObject({ ok: false });
      expect(response.body).not.toContain('hunter2');
      expect(response.body).not.toContain(port);
    } finally {
      await down.close();
    }
  });
});
