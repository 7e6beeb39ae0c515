import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectProblem,
  leaksInternals,
  SECOND_CHAIN,
  SEPOLIA_USDC,
  startTestApi,
  TEST_CHAIN,
  TEST_DAI,
  TEST_USDC,
  type TestApi,
  type TestApiKey,
} from '../../../../test/api.ts';
import { engines } from '../../../../test/database.ts';
import { syncTokens } from '../../../chains/sync-tokens.ts';

const devnetTokens = [
  {
    chain: 'devnet',
    symbol: 'DAI',
    address: TEST_DAI,
    decimals: 18,
    underpayment_tolerance: '0.00000000000000001',
  },
  { chain: 'devnet', symbol: 'ETH', address: null, decimals: 18, underpayment_tolerance: '0' },
  { chain: 'devnet', symbol: 'USDC', address: TEST_USDC, decimals: 6, underpayment_tolerance: '0' },
];
const sepoliaTokens = [
  { chain: 'sepolia', symbol: 'ETH', address: null, decimals: 18, underpayment_tolerance: '0' },
  {
    chain: 'sepolia',
    symbol: 'USDC',
    address: SEPOLIA_USDC,
    decimals: 6,
    underpayment_tolerance: '0.005',
  },
];

describe.each(engines)('catalog API on %s', (engine) => {
  let api: TestApi;
  let reader: TestApiKey;

  beforeAll(async () => {
    api = await startTestApi(engine);
    reader = await api.keys.create(['payments:read']);
    return () => api.teardown();
  });
  afterAll(() => {
    expect(api.bodies.length).toBeGreaterThan(10);
    expect(api.bodies.filter(leaksInternals)).toEqual([]);
  });

  const get = (url: string, headers: Record<string, string> = reader.headers) =>
    api.app.inject({ method: 'GET', url, headers });

  it('lists each served chain with its id, confirmation rule, native coin and accepted tokens', async () => {
    const response = await get('/v1/chains');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      data: [
        {
          name: 'devnet',
          chain_id: 31337,
          confirmations: 2,
          native: { symbol: 'ETH', decimals: 18 },
          tokens: devnetTokens,
        },
        {
          name: 'sepolia',
          chain_id: 11_155_111,
          confirmations: 'finalized',
          native: { symbol: 'ETH', decimals: 18 },
          tokens: sepoliaTokens,
        },
      ],
    });
  });

  it('lists the accepted tokens of every chain, tolerances as decimal strings', async () => {
    const response = await get('/v1/tokens');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ data: [...devnetTokens, ...sepoliaTokens] });
  });

  it.each(['/v1/chains', '/v1/tokens'])('%s needs a key with payments:read', async (url) => {
    expectProblem(await get(url, {}), 401, 'AUTH_REQUIRED');
    expectProblem(await get(url, { authorization: 'Bearer not-a-key' }), 401, 'AUTH_INVALID');
    const writer = await api.keys.create(['payments:write']);
    expectProblem(await get(url, writer.headers), 403, 'FORBIDDEN_SCOPE');
  });

  it('answers an unknown route or method with a 404 problem', async () => {
    expectProblem(await get('/v1/networks'), 404, 'NOT_FOUND');
    const response = await api.app.inject({
      method: 'DELETE',
      url: '/v1/tokens',
      headers: reader.headers,
    });
    expectProblem(response, 404, 'NOT_FOUND');
  });

  // Last: it changes the tokens the other tests list.
  it('drops a token removed from the chains file and the tokens of a chain no longer served', async () => {
    const withoutDai = {
      ...TEST_CHAIN,
      tokens: TEST_CHAIN.tokens.filter((t) => t.symbol !== 'DAI'),
    };
    const retired = { ...SECOND_CHAIN, name: 'retired', chainId: 1 };
    await syncTokens(api.db, [withoutDai, SECOND_CHAIN, retired]);
    const tokens = (await get('/v1/tokens')).json().data as { chain: string; symbol: string }[];
    expect(tokens.map((t) => `${t.chain}:${t.symbol}`)).toEqual([
      'devnet:ETH',
      'devnet:USDC',
      'sepolia:ETH',
      'sepolia:USDC',
    ]);
    const chains = (await get('/v1/chains')).json().data as { name: string; tokens: unknown[] }[];
    expect(chains.map((c) => c.name)).toEqual(['devnet', 'sepolia']);
    expect(chains[0]?.tokens).toHaveLength(2);
    const writer = await api.keys.create();
    const refused = await api.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: writer.headers,
      payload: { chain: 'devnet', token: 'DAI', amount: '1' },
    });
    expectProblem(refused, 422, 'TOKEN_DISABLED', 'token');
  });
});
