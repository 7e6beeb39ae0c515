import pino from 'pino';
import { mnemonicToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectProblem,
  leaksInternals,
  startTestApi,
  TEST_DAI,
  TEST_PUBLIC_URL,
  TEST_USDC,
  type TestApi,
  type TestApiKey,
} from '../../../../test/api.ts';
import { engines } from '../../../../test/database.ts';
import { DEFAULT_STORE_ID } from '../../../../test/rows.ts';
import { formatTokenAmount, MAX_UINT256 } from '../../../amounts.ts';
import { revokeApiKey, type Scope } from '../../../api-keys/index.ts';
import { createDatabase } from '../../../db/create-database.ts';
import { newId } from '../../../db/ids.ts';
import { withTransaction } from '../../../db/transaction.ts';
import type { PaymentView } from '../../../payments/payment-view.ts';
import { reconcilePayments } from '../../../payments/reconcile-payments.ts';
import { recordTransfers } from '../../../payments/transfer-store.ts';
import { createStore } from '../../../stores/index.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../../../wallet/index.ts';
import { buildApp } from '../../app.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VALID = { chain: 'devnet', token: 'USDC', amount: '1' };

describe.each(engines)('payments API on %s', (engine) => {
  let api: TestApi;
  let key: TestApiKey;

  beforeAll(async () => {
    api = await startTestApi(engine);
    key = await api.keys.create();
    return () => api.teardown();
  });
  afterAll(() => {
    expect(api.bodies.length).toBeGreaterThan(10);
    expect(api.bodies.filter(leaksInternals)).toEqual([]);
  });

  const post = (payload: unknown, headers: Record<string, string> = {}, as = key) =>
    api.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...as.headers, ...headers },
      payload: payload as object,
    });
  const get = (url: string, as = key) =>
    api.app.inject({ method: 'GET', url, headers: as.headers });
  const cancel = (id: string, as = key) =>
    api.app.inject({ method: 'POST', url: `/v1/payments/${id}/cancel`, headers: as.headers });
  const countPayments = async () =>
    Number(
      (
        await api.db
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** The deposit address at the payment's index, derived here independently of the app. */
  const expectedAddress = async (id: string) => {
    const row = await api.db
      .selectFrom('payments')
      .select(['address_index', 'store_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const index = Number(row.address_index);
    return mnemonicToAccount(DEVELOPMENT_MNEMONIC, { addressIndex: index }).address.toLowerCase();
  };
  /** A key of a new store of its own, so what a test lists is only what it created. */
  const newStoreKey = async (scopes?: readonly Scope[]) => {
    const store = await createStore(api.db, `store-${newId().slice(-12)}`);
    return api.keys.create(scopes, store.id);
  };

  describe('POST /v1/payments', () => {
    it('creates an ERC-20 payment: 201 with its own address, an EIP-681 transfer URI, the checkout URL and Location', async () => {
      const response = await post({
        chain: 'devnet',
        token: 'usdc',
        amount: '12.50',
        reference: 'order-1',
        metadata: { cart: [1, 2], note: 'naïve ☕' },
        redirect_url: 'https://shop.example/thanks?o=1',
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json() as PaymentView;
      const address = await expectedAddress(body.id);
      expect(body).toEqual({
        id: expect.stringMatching(UUID),
        status: 'pending',
        exception: null,
        chain: 'devnet',
        chain_id: 31337,
        token: { symbol: 'USDC', address: TEST_USDC, decimals: 6 },
        amount: '12.5',
        amount_base_units: '12500000',
        amount_received: '0',
        amount_received_base_units: '0',
        address,
        payment_uri: `ethereum:${TEST_USDC}@31337/transfer?address=${address}&uint256=12500000`,
        checkout_url: `${TEST_PUBLIC_URL}/pay/${body.id}`,
        confirmations: 0,
        reference: 'order-1',
        metadata: { cart: [1, 2], note: 'naïve ☕' },
        redirect_url: 'https://shop.example/thanks?o=1',
        expires_at: expect.any(String),
        confirmed_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(1800 * 1000);
      expect(Math.abs(Date.parse(body.created_at) - Date.now())).toBeLessThan(60_000);
      expect(response.headers.location).toBe(`/v1/payments/${body.id}`);
      expect(response.headers['idempotent-replayed']).toBeUndefined();
    });

    it('creates a native payment whose URI asks for the value in wei, expiring after expires_in', async () => {
      const response = await post({ chain: 'devnet', token: 'ETH', amount: '1.5', expires_in: 60 });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json() as PaymentView;
      const address = await expectedAddress(body.id);
      expect(body).toMatchObject({
        token: { symbol: 'ETH', address: null, decimals: 18 },
        amount: '1.5',
        amount_base_units: '1500000000000000000',
        address,
        payment_uri: `ethereum:${address}@31337?value=1500000000000000000`,
        reference: null,
        metadata: null,
        redirect_url: null,
      });
      expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(60_000);
    });

    it('finds a token by its checksummed contract address and gives each payment another address', async () => {
      const first = await post({
        chain: 'devnet',
        token: TEST_DAI.toUpperCase().replace('0X', '0x'),
        amount: '0.000000000000000001',
      });
      const second = await post({ chain: 'devnet', token: TEST_DAI, amount: '2' });
      expect([first.statusCode, second.statusCode], first.body).toEqual([201, 201]);
      const [a, b] = [first.json() as PaymentView, second.json() as PaymentView];
      expect(a.token.symbol).toBe('DAI');
      expect(a.amount_base_units).toBe('1');
      expect(a.address).not.toBe(b.address);
      expect(b.address).toBe(await expectedAddress(b.id));
    });

    it('accepts exactly 2^256-1 base units, stored and returned without loss', async () => {
      const response = await post({ ...VALID, amount: formatTokenAmount(MAX_UINT256, 6) });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json() as PaymentView;
      expect(body.amount_base_units).toBe(MAX_UINT256.toString());
      expect((await get(`/v1/payments/${body.id}`)).json().amount_base_units).toBe(
        MAX_UINT256.toString(),
      );
    });

    const tooLarge = (MAX_UINT256 / 10n ** 6n + 1n).toString();
    it.each([
      ['chain is missing', { token: 'USDC', amount: '1' }, 'VALIDATION_FAILED', 'chain'],
      ['token is missing', { chain: 'devnet', amount: '1' }, 'VALIDATION_FAILED', 'token'],
      ['amount is missing', { chain: 'devnet', token: 'USDC' }, 'VALIDATION_FAILED', 'amount'],
      ['amount is a JSON number', { ...VALID, amount: 12.5 }, 'VALIDATION_FAILED', 'amount'],
      ['chain is a number', { ...VALID, chain: 31337 }, 'VALIDATION_FAILED', 'chain'],
      [
        'expires_in is a string',
        { ...VALID, expires_in: '600' },
        'VALIDATION_FAILED',
        'expires_in',
      ],
      ['a field is unknown', { ...VALID, currency: 'USD' }, 'VALIDATION_FAILED', 'currency'],
      [
        'amount has more decimals than the token',
        { ...VALID, amount: '1.1234567' },
        'AMOUNT_INVALID',
        'amount',
      ],
      ['amount is zero', { ...VALID, amount: '0.000' }, 'AMOUNT_INVALID', 'amount'],
      ['amount is negative', { ...VALID, amount: '-1' }, 'AMOUNT_INVALID', 'amount'],
      [
        'amount is above 2^256-1 base units',
        { ...VALID, amount: tooLarge },
        'AMOUNT_INVALID',
        'amount',
      ],
      ['amount has an exponent', { ...VALID, amount: '1e6' }, 'AMOUNT_INVALID', 'amount'],
      ['amount is not a number', { ...VALID, amount: 'ten' }, 'AMOUNT_INVALID', 'amount'],
      [
        'amount has a thousands separator',
        { ...VALID, amount: '1,000' },
        'AMOUNT_INVALID',
        'amount',
      ],
      ['amount is empty', { ...VALID, amount: '' }, 'VALIDATION_FAILED', 'amount'],
      ['the chain is unknown', { ...VALID, chain: 'solana' }, 'CHAIN_NOT_FOUND', 'chain'],
      ['the token is unknown', { ...VALID, token: 'DOGE' }, 'TOKEN_NOT_FOUND', 'token'],
      [
        'the token is on another chain only',
        { ...VALID, chain: 'sepolia', token: 'DAI' },
        'TOKEN_NOT_FOUND',
        'token',
      ],
      [
        'the token address is unknown',
        { ...VALID, token: `0x${'ab'.repeat(20)}` },
        'TOKEN_NOT_FOUND',
        'token',
      ],
      [
        'expires_in is under a minute',
        { ...VALID, expires_in: 59 },
        'VALIDATION_FAILED',
        'expires_in',
      ],
      [
        'expires_in is over 30 days',
        { ...VALID, expires_in: 30 * 86_400 + 1 },
        'VALIDATION_FAILED',
        'expires_in',
      ],
      [
        'expires_in is fractional',
        { ...VALID, expires_in: 600.5 },
        'VALIDATION_FAILED',
        'expires_in',
      ],
      [
        'reference is over 200 characters',
        { ...VALID, reference: 'r'.repeat(201) },
        'VALIDATION_FAILED',
        'reference',
      ],
      ['reference is empty', { ...VALID, reference: '' }, 'VALIDATION_FAILED', 'reference'],
      [
        'metadata is over 4 KiB',
        { ...VALID, metadata: { blob: 'x'.repeat(4100) } },
        'VALIDATION_FAILED',
        'metadata',
      ],
      ['metadata is an array', { ...VALID, metadata: [1, 2] }, 'VALIDATION_FAILED', 'metadata'],
      ['metadata is a string', { ...VALID, metadata: 'gift' }, 'VALIDATION_FAILED', 'metadata'],
      [
        'redirect_url is ftp',
        { ...VALID, redirect_url: 'ftp://shop.example/' },
        'VALIDATION_FAILED',
        'redirect_url',
      ],
      [
        'redirect_url is javascript:',
        { ...VALID, redirect_url: 'javascript:alert(1)' },
        'VALIDATION_FAILED',
        'redirect_url',
      ],
      [
        'redirect_url is relative',
        { ...VALID, redirect_url: '/thanks' },
        'VALIDATION_FAILED',
        'redirect_url',
      ],
    ])(
      'refuses a body where %s: 422 naming the field, nothing created',
      async (_name, body, code, field) => {
        const before = await countPayments();
        expectProblem(await post(body), 422, code, field);
        expect(await countPayments()).toBe(before);
      },
    );

    it('answers malformed JSON with 400, text/plain with 415 and a body over 64 KiB with 413', async () => {
      const json = { 'content-type': 'application/json' };
      expectProblem(await post('{"chain": "devnet",', json), 400, 'MALFORMED_JSON');
      expectProblem(await post('', json), 400, 'MALFORMED_JSON');
      expectProblem(
        await post('chain=devnet', { 'content-type': 'text/plain' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      const huge = JSON.stringify({ ...VALID, metadata: { blob: 'x'.repeat(64 * 1024) } });
      expectProblem(await post(huge, json), 413, 'BODY_TOO_LARGE');
    });

    it('refuses a malformed Idempotency-Key, naming the header', async () => {
      expectProblem(
        await post(VALID, { 'idempotency-key': 'k'.repeat(256) }),
        422,
        'VALIDATION_FAILED',
        'Idempotency-Key',
      );
      expectProblem(
        await post(VALID, { 'idempotency-key': 'two words' }),
        422,
        'VALIDATION_FAILED',
        'Idempotency-Key',
      );
    });
  });

  describe('authentication and scopes', () => {
    const someId = newId();
    const routes: [string, string][] = [
      ['POST', '/v1/payments'],
      ['GET', '/v1/payments'],
      ['GET', `/v1/payments/${someId}`],
      ['POST', `/v1/payments/${someId}/cancel`],
    ];
    const call = (method: string, url: string, headers: Record<string, string>) =>
      api.app.inject({
        method: method as 'GET' | 'POST',
        url,
        headers,
        ...(method === 'POST' && url === '/v1/payments' ? { payload: VALID } : {}),
      });

    it.each(routes)(
      '%s %s without an Authorization header is 401 AUTH_REQUIRED',
      async (method, url) => {
        expectProblem(await call(method, url, {}), 401, 'AUTH_REQUIRED');
      },
    );

    it.each(routes)(
      '%s %s with a garbage, unknown, revoked or non-bearer key is 401 AUTH_INVALID',
      async (method, url) => {
        const revoked = await api.keys.create();
        await revokeApiKey(api.db, revoked.id);
        const unknown = `ctrip_abcdefghij_${'A'.repeat(32)}`;
        const lookalike = key.key.slice(0, -1) + (key.key.endsWith('A') ? 'B' : 'A');
        for (const authorization of [
          'Bearer nope',
          `Bearer ${unknown}`,
          `Bearer ${lookalike}`,
          revoked.headers.authorization,
          `Basic ${Buffer.from(`${key.key}:`).toString('base64')}`,
          key.key,
          'Bearer',
        ]) {
          const body = expectProblem(
            await call(method, url, { authorization }),
            401,
            'AUTH_INVALID',
          );
          expect(body.detail).not.toContain('ctrip_');
        }
      },
    );

    it('a read-only key lists and reads but cannot create or cancel (403 FORBIDDEN_SCOPE)', async () => {
      const readOnly = await api.keys.create(['payments:read']);
      const created = (await post(VALID)).json() as PaymentView;
      const before = await countPayments();
      expectProblem(await post(VALID, {}, readOnly), 403, 'FORBIDDEN_SCOPE');
      expectProblem(await cancel(created.id, readOnly), 403, 'FORBIDDEN_SCOPE');
      expect(await countPayments()).toBe(before);
      expect((await get(`/v1/payments/${created.id}`, readOnly)).json().status).toBe('pending');
      expect((await get('/v1/payments', readOnly)).statusCode).toBe(200);
    });

    it('a key without payments:read cannot list or read (403 FORBIDDEN_SCOPE)', async () => {
      const writeOnly = await api.keys.create(['payments:write']);
      const webhooksOnly = await api.keys.create(['webhooks:manage']);
      const created = (await post(VALID, {}, writeOnly)).json() as PaymentView;
      expectProblem(await get('/v1/payments', writeOnly), 403, 'FORBIDDEN_SCOPE');
      expectProblem(await get(`/v1/payments/${created.id}`, writeOnly), 403, 'FORBIDDEN_SCOPE');
      expectProblem(await post(VALID, {}, webhooksOnly), 403, 'FORBIDDEN_SCOPE');
    });

    it("another store's payment is a 404 to read and to cancel, and is absent from the list", async () => {
      const other = await newStoreKey();
      const theirs = (
        await post({ ...VALID, reference: 'theirs' }, {}, other)
      ).json() as PaymentView;
      expectProblem(await get(`/v1/payments/${theirs.id}`), 404, 'PAYMENT_NOT_FOUND');
      expectProblem(await cancel(theirs.id), 404, 'PAYMENT_NOT_FOUND');
      const list = (await get('/v1/payments?limit=100&reference=theirs')).json();
      expect(list.data).toEqual([]);
      expect((await get(`/v1/payments/${theirs.id}`, other)).json().status).toBe('pending');
      const mine = (await post(VALID)).json() as PaymentView;
      const theirList = (await get('/v1/payments?limit=100', other)).json();
      expect(theirList.data.map((p: PaymentView) => p.id)).toEqual([theirs.id]);
      expectProblem(await get(`/v1/payments/${mine.id}`, other), 404, 'PAYMENT_NOT_FOUND');
      const row = await api.db
        .selectFrom('payments')
        .select('store_id')
        .where('id', '=', mine.id)
        .executeTakeFirstOrThrow();
      expect(row.store_id).toBe(DEFAULT_STORE_ID);
    });
  });

  describe('idempotency', () => {
    const byReference = async (reference: string) =>
      api.db.selectFrom('payments').select('id').where('reference', '=', reference).execute();

    it('replays the same request with the same key: same response, idempotent-replayed, one payment', async () => {
      const body = {
        chain: 'devnet',
        token: 'USDC',
        amount: '3',
        reference: 'idem-1',
        metadata: { a: 1, b: [2] },
      };
      const first = await post(body, { 'idempotency-key': 'idem-1' });
      // The same request with its keys in another order is the same request.
      const again = await post(
        {
          metadata: { b: [2], a: 1 },
          reference: 'idem-1',
          amount: '3',
          token: 'USDC',
          chain: 'devnet',
        },
        { 'idempotency-key': 'idem-1' },
      );
      expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await byReference('idem-1')).toHaveLength(1);
    });

    it('refuses the same key with another body (422 IDEMPOTENCY_KEY_REUSED), creating nothing', async () => {
      const first = await post({ ...VALID, reference: 'idem-2' }, { 'idempotency-key': 'idem-2' });
      expect(first.statusCode).toBe(201);
      const before = await countPayments();
      expectProblem(
        await post({ ...VALID, amount: '2', reference: 'idem-2' }, { 'idempotency-key': 'idem-2' }),
        422,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await countPayments()).toBe(before);
    });

    it('keeps the keys of each API key apart: the same key from another API key creates another payment', async () => {
      const otherKey = await api.keys.create();
      const body = { ...VALID, reference: 'idem-3' };
      const mine = await post(body, { 'idempotency-key': 'idem-3' });
      const theirs = await post(body, { 'idempotency-key': 'idem-3' }, otherKey);
      expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json().id).not.toBe(mine.json().id);
      expect(await byReference('idem-3')).toHaveLength(2);
    });

    it('lets a request that failed be retried with the same key', async () => {
      const failed = await post(
        { ...VALID, token: 'DOGE', reference: 'idem-4' },
        { 'idempotency-key': 'idem-4' },
      );
      expectProblem(failed, 422, 'TOKEN_NOT_FOUND', 'token');
      const sameAgain = await post(
        { ...VALID, token: 'DOGE', reference: 'idem-4' },
        { 'idempotency-key': 'idem-4' },
      );
      expectProblem(sameAgain, 422, 'TOKEN_NOT_FOUND', 'token');
      const fixed = await post({ ...VALID, reference: 'idem-4' }, { 'idempotency-key': 'idem-4' });
      expect(fixed.statusCode, fixed.body).toBe(201);
      expect(await byReference('idem-4')).toHaveLength(1);
    });

    it('runs concurrent requests with one key once: the others replay it or are told it is in progress', async () => {
      const body = { ...VALID, reference: 'idem-5' };
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => post(body, { 'idempotency-key': 'idem-5' })),
      );
      const ids = new Set(responses.filter((r) => r.statusCode === 201).map((r) => r.json().id));
      for (const response of responses.filter((r) => r.statusCode !== 201)) {
        expectProblem(response, 409, 'IDEMPOTENCY_IN_PROGRESS');
      }
      expect(ids.size).toBe(1);
      expect(await byReference('idem-5')).toHaveLength(1);
    });
  });

  describe('GET /v1/payments', () => {
    it('pages newest first through every payment exactly once while new ones are created', async () => {
      const store = await newStoreKey();
      const initial: string[] = [];
      for (let i = 0; i < 25; i++) initial.push((await post(VALID, {}, store)).json().id);
      const created: string[] = [];
      const seen: PaymentView[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const url: string = `/v1/payments?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const [listed, extra] = await Promise.all([get(url, store), post(VALID, {}, store)]);
        created.push(extra.json().id);
        expect(listed.statusCode, listed.body).toBe(200);
        const body = listed.json() as {
          data: PaymentView[];
          has_more: boolean;
          next_cursor: string | null;
        };
        expect(body.data.length).toBeLessThanOrEqual(7);
        seen.push(...body.data);
        cursor = body.next_cursor;
        expect(cursor === null).toBe(!body.has_more);
        if (!cursor) break;
      }
      expect(cursor).toBeNull();
      const ids = seen.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of initial) expect(ids).toContain(id);
      for (const id of ids) expect([...initial, ...created]).toContain(id);
      expect(ids).toEqual([...ids].sort().reverse());
      const times = seen.map((p) => Date.parse(p.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('filters by status, chain, token symbol or address, reference and creation time', async () => {
      const store = await newStoreKey();
      const create = async (body: object) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const response = await post(body, {}, store);
        expect(response.statusCode, response.body).toBe(201);
        return response.json() as PaymentView;
      };
      const a = await create({ ...VALID, reference: 'r-1' });
      const b = await create({ ...VALID, token: 'ETH' });
      const c = await create({ ...VALID, chain: 'sepolia' });
      const d = await create({ ...VALID, token: 'DAI' });
      expect((await cancel(d.id, store)).statusCode).toBe(200);
      const ids = async (query: string) => {
        const response = await get(`/v1/payments?${query}`, store);
        expect(response.statusCode, response.body).toBe(200);
        return (response.json().data as PaymentView[]).map((p) => p.id);
      };
      expect(await ids('')).toEqual([d.id, c.id, b.id, a.id]);
      expect(await ids('status=canceled')).toEqual([d.id]);
      expect(await ids('status=pending')).toEqual([c.id, b.id, a.id]);
      expect(await ids('chain=sepolia')).toEqual([c.id]);
      expect(await ids('token=usdc')).toEqual([c.id, a.id]);
      expect(await ids(`token=${TEST_USDC.toUpperCase().replace('0X', '0x')}`)).toEqual([a.id]);
      expect(await ids('chain=devnet&token=USDC&status=pending')).toEqual([a.id]);
      expect(await ids('reference=r-1')).toEqual([a.id]);
      expect(await ids('reference=r-2')).toEqual([]);
      const from = encodeURIComponent(b.created_at);
      const to = encodeURIComponent(d.created_at);
      expect(await ids(`created_from=${from}`)).toEqual([d.id, c.id, b.id]);
      expect(await ids(`created_from=${from}&created_to=${to}`)).toEqual([c.id, b.id]);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['status=paid', 'status'],
      ['cursor=not-a-cursor', 'cursor'],
      ['created_from=yesterday', 'created_from'],
      ['colour=red', 'colour'],
    ])('refuses the query %s with 422 naming %s', async (query, field) => {
      expectProblem(await get(`/v1/payments?${query}`), 422, 'VALIDATION_FAILED', field);
    });
  });

  describe('GET /v1/payments/:id and cancel', () => {
    it('shows a payment with its transfers and events once money arrives, and then refuses to cancel it', async () => {
      const payment = (await post({ ...VALID, amount: '12.5' })).json() as PaymentView;
      const fresh = (await get(`/v1/payments/${payment.id}`)).json();
      expect(fresh).toMatchObject({ ...payment, transfers: [] });
      expect(fresh.events.map((e: { type: string }) => e.type)).toEqual(['payment.created']);

      const token = await api.db
        .selectFrom('tokens')
        .select('id')
        .where('chain', '=', 'devnet')
        .where('address', '=', TEST_USDC)
        .executeTakeFirstOrThrow();
      const txHash = `0x${'12'.repeat(32)}`;
      // Within the payment's window, so the money is on time (not flagged late).
      const blockTime = new Date(Date.parse(payment.created_at) + 1000);
      await withTransaction(api.db, async (trx) => {
        const changed = await recordTransfers(trx, 'devnet', [
          {
            paymentId: payment.id,
            tokenId: token.id,
            txHash,
            logIndex: 3,
            from: '0x000000000000000000000000000000000000dead',
            blockNumber: 100n,
            blockHash: `0x${'ab'.repeat(32)}`,
            blockTime,
            amount: 5_000_000n,
          },
        ]);
        await reconcilePayments(trx, changed, { latePayments: 'accept' });
      });

      const response = await get(`/v1/payments/${payment.id}`);
      expect(response.statusCode).toBe(200);
      const detail = response.json();
      expect(detail).toMatchObject({
        id: payment.id,
        status: 'detected',
        exception: null,
        amount_received: '5',
        amount_received_base_units: '5000000',
        payment_uri: `ethereum:${TEST_USDC}@31337/transfer?address=${payment.address}&uint256=7500000`,
      });
      expect(detail.transfers).toEqual([
        {
          tx_hash: txHash,
          log_index: 3,
          from: '0x000000000000000000000000000000000000dead',
          token: { symbol: 'USDC', address: TEST_USDC, decimals: 6 },
          amount: '5',
          amount_base_units: '5000000',
          block_number: '100',
          block_hash: `0x${'ab'.repeat(32)}`,
          block_time: blockTime.toISOString(),
          confirmations: 0,
          status: 'pending',
        },
      ]);
      expect(detail.events[0]).toMatchObject({
        type: 'payment.created',
        id: expect.stringMatching(UUID),
      });
      expect(detail.events.map((e: { type: string }) => e.type)).toContain('payment.detected');
      expectProblem(await cancel(payment.id), 409, 'PAYMENT_NOT_CANCELABLE');
    });

    it('cancels a pending payment (200, canceled, an event) and refuses a second cancel with 409', async () => {
      const payment = (await post(VALID)).json() as PaymentView;
      const response = await cancel(payment.id);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        id: payment.id,
        status: 'canceled',
        address: payment.address,
      });
      expectProblem(await cancel(payment.id), 409, 'PAYMENT_NOT_CANCELABLE');
      const detail = (await get(`/v1/payments/${payment.id}`)).json();
      expect(detail.status).toBe('canceled');
      expect(detail.events.map((e: { type: string }) => e.type)).toEqual([
        'payment.created',
        'payment.canceled',
      ]);
    });

    it.each(['not-an-id', newId(), '12345', `${newId()}x`, "'%20or%201=1--"])(
      'answers the id %s with 404 PAYMENT_NOT_FOUND on read and cancel',
      async (id) => {
        expectProblem(await get(`/v1/payments/${id}`), 404, 'PAYMENT_NOT_FOUND');
        expectProblem(await cancel(id), 404, 'PAYMENT_NOT_FOUND');
      },
    );
  });

  describe('regressions found by these tests', () => {
    it('a NUL character in a field or filter is a 422 on both engines (PostgreSQL cannot store it)', async () => {
      const statuses: number[] = [];
      for (const body of [
        { ...VALID, reference: 'order\u0000' },
        { ...VALID, metadata: { note: 'a\u0000b' } },
        { ...VALID, redirect_url: 'https://shop.example/\u0000' },
        { ...VALID, chain: 'dev\u0000net' },
      ]) {
        statuses.push((await post(body)).statusCode);
      }
      for (const query of ['reference=a%00', 'chain=%00', 'token=%00']) {
        statuses.push((await get(`/v1/payments?${query}`)).statusCode);
      }
      expect(statuses).toEqual(statuses.map(() => 422));
    });

    it('a request without a key is refused before its body is validated (401, not 422)', async () => {
      const response = await api.app.inject({
        method: 'POST',
        url: '/v1/payments',
        payload: { nope: 1 },
      });
      expectProblem(response, 401, 'AUTH_REQUIRED');
    });

    it('an id over 100 characters or a bad %-escape is answered with a problem document', async () => {
      expectProblem(await get(`/v1/payments/${'x'.repeat(101)}`), 404, 'NOT_FOUND');
      const badEscape = await get('/v1/payments/%zz');
      expect(badEscape.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  it('answers a failure inside the app with a bare 500 and logs it with the request id', async () => {
    // An app on a database handle of its own that is closed: every query fails.
    const handle = createDatabase(api.opened.database.settings);
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const broken = await buildApp({
      db: handle.db,
      settings: api.settings,
      logger,
      deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
      chains: api.chains,
    });
    // Closing a handle that never connected is a no-op: connect it first.
    await handle.ping();
    await handle.close();
    try {
      const response = await broken.inject({
        method: 'GET',
        url: '/v1/payments',
        headers: { ...key.headers, 'x-request-id': 'req-500' },
      });
      const body = expectProblem(response, 500, 'INTERNAL');
      expect(body).toEqual({
        type: 'urn:ctrip:problem:internal',
        title: 'Internal Server Error',
        status: 500,
        detail: expect.any(String),
        code: 'INTERNAL',
        instance: 'req-500',
      });
      expect(leaksInternals(response.body)).toBe(false);
      expect(response.body).not.toMatch(/sqlite|pool|connection|database|select/i);
      expect(lines.join('\n')).toContain('req-500');
    } finally {
      await broken.close();
    }
  });
});
