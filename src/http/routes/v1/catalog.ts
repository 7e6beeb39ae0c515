import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatTokenAmount } from '../../../amounts.ts';
import { listAcceptedTokens } from '../../../chains/index.ts';
import type { AppDeps } from '../../app-deps.ts';
import { requireScope } from '../../plugins/authenticate.ts';
import { problemView } from '../../schemas.ts';

const tokenEntry = z.object({
  chain: z.string(),
  symbol: z.string(),
  address: z.string().nullable(),
  decimals: z.number().int(),
  underpayment_tolerance: z.string(),
});

const chainEntry = z.object({
  name: z.string(),
  chain_id: z.number().int(),
  confirmations: z.union([z.number().int(), z.enum(['safe', 'finalized'])]),
  native: z.object({ symbol: z.string(), decimals: z.number().int() }),
  tokens: z.array(tokenEntry),
});

/** What can be paid where: the chains and their accepted tokens. */
export function registerCatalogRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 401: problemView, 403: problemView };

  async function tokens() {
    const rows = await listAcceptedTokens(deps.db);
    const served = new Set(deps.chains.map((c) => c.name));
    return rows
      .filter((row) => served.has(row.chain))
      .map((row) => ({
        chain: row.chain,
        symbol: row.symbol,
        address: row.address,
        decimals: row.decimals,
        underpayment_tolerance: formatTokenAmount(row.underpayment_tolerance, row.decimals),
      }));
  }

  api.get(
    '/v1/chains',
    {
      onRequest: requireScope(deps, 'payments:read'),
      schema: {
        tags: ['catalog'],
        summary: 'List the chains and the tokens accepted on each',
        response: { 200: z.object({ data: z.array(chainEntry) }), ...errors },
      },
    },
    async () => {
      const all = await tokens();
      return {
        data: deps.chains.map((chain) => ({
          name: chain.name,
          chain_id: chain.chainId,
          confirmations:
            chain.confirmations.kind === 'depth'
              ? chain.confirmations.blocks
              : chain.confirmations.tag,
          native: { symbol: chain.native.symbol, decimals: chain.native.decimals },
          tokens: all.filter((t) => t.chain === chain.name),
        })),
      };
    },
  );

  api.get(
    '/v1/tokens',
    {
      onRequest: requireScope(deps, 'payments:read'),
      schema: {
        tags: ['catalog'],
        summary: 'List the accepted tokens of every chain',
        response: { 200: z.object({ data: z.array(tokenEntry) }), ...errors },
      },
    },
    async () => ({ data: await tokens() }),
  );
}
