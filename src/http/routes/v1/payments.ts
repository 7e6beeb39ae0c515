import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  claimIdempotencyKey,
  completeIdempotentRequest,
  releaseIdempotencyClaim,
} from '../../../api-keys/index.ts';
import { withTransaction } from '../../../db/transaction.ts';
import { cancelPayment } from '../../../payments/cancel-payment.ts';
import { createPayment } from '../../../payments/create-payment.ts';
import {
  getPayment,
  listPaymentEvents,
  listPayments,
  listPaymentTransfers,
} from '../../../payments/payment-queries.ts';
import {
  type PaymentView,
  toEventView,
  toPaymentView,
  toTransferView,
} from '../../../payments/payment-view.ts';
import type { AppDeps } from '../../app-deps.ts';
import { apiKeyOf, requireScope } from '../../plugins/authenticate.ts';
import { HttpError } from '../../problem.ts';
import {
  createPaymentBody,
  listPaymentsQuery,
  paymentDetailView,
  paymentIdParams,
  paymentListView,
  paymentView,
  problemView,
} from '../../schemas.ts';
import { assertCursor } from './page-cursor.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const errors = {
  401: problemView,
  403: problemView,
  404: problemView,
  409: problemView,
  422: problemView,
  429: problemView,
};

export function registerPaymentRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const context = { publicUrl: deps.settings.http.publicUrl, chains: deps.chains };
  const paymentDeps = {
    db: deps.db,
    deriver: deps.deriver,
    policy: deps.settings.payments,
  };

  api.post(
    '/v1/payments',
    {
      onRequest: requireScope(deps, 'payments:write'),
      schema: {
        tags: ['payments'],
        summary: 'Create a payment',
        description:
          'Creates a payment with a deposit address of its own. With an Idempotency-Key header, a retry of the same request returns the original response and creates nothing.',
        headers: z
          .object({
            'idempotency-key': z
              .string()
              .optional()
              .describe('Any unique string (a UUID): retries with it create the payment once'),
          })
          .passthrough(),
        body: createPaymentBody,
        response: { 201: paymentView, 200: paymentView, ...errors },
      },
    },
    async (request, reply) => {
      const apiKey = apiKeyOf(request);
      const key = request.headers['idempotency-key'];
      let claimId: string | undefined;
      if (typeof key === 'string') {
        if (!IDEMPOTENCY_KEY.test(key)) {
          throw new HttpError(
            'VALIDATION_FAILED',
            'Idempotency-Key must be 1 to 255 printable ASCII characters',
            [{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }],
          );
        }
        const claim = await claimIdempotencyKey(deps.db, {
          apiKeyId: apiKey.id,
          key,
          requestHash: hashRequest(request.method, request.url, request.body),
        });
        if (claim.kind === 'mismatch') {
          throw new HttpError(
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different request; use a new key for a new payment',
          );
        }
        if (claim.kind === 'in_progress') {
          throw new HttpError(
            'IDEMPOTENCY_IN_PROGRESS',
            'a request with this Idempotency-Key is still running; retry shortly',
          );
        }
        if (claim.kind === 'replay') {
          return reply
            .code(claim.status)
            .header('idempotent-replayed', 'true')
            .send(claim.body as never);
        }
        claimId = claim.id;
      }
      try {
        const body = request.body;
        const params = {
          storeId: apiKey.storeId,
          chain: body.chain,
          token: body.token,
          amount: body.amount,
          expiresIn: body.expires_in,
          reference: body.reference ?? null,
          metadata: body.metadata ?? null,
          redirectUrl: body.redirect_url ?? null,
        };
        let payment: PaymentView;
        if (claimId === undefined) {
          const created = await createPayment(paymentDeps, params);
          payment = toPaymentView(await getPayment(deps.db, created.id), context);
        } else {
          const claim = claimId;
          // The payment and the idempotency record commit together: a retry either finds the
          // stored response or finds no payment, never a payment without its record.
          payment = await withTransaction(deps.db, async (trx) => {
            const created = await createPayment({ ...paymentDeps, db: trx }, params);
            const view = toPaymentView(await getPayment(trx, created.id), context);
            await completeIdempotentRequest(trx, claim, { status: 201, body: view });
            return view;
          });
        }
        request.log.info({ paymentId: payment.id, chain: payment.chain }, 'payment created');
        return reply.code(201).header('location', `/v1/payments/${payment.id}`).send(payment);
      } catch (error) {
        if (claimId) await releaseIdempotencyClaim(deps.db, claimId);
        throw error;
      }
    },
  );

  api.get(
    '/v1/payments',
    {
      onRequest: requireScope(deps, 'payments:read'),
      schema: {
        tags: ['payments'],
        summary: 'List payments',
        description:
          'Newest first, a page at a time: pass next_cursor as cursor for the next page.',
        querystring: listPaymentsQuery,
        response: { 200: paymentListView, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      assertCursor(query.cursor);
      const page = await listPayments(deps.db, {
        storeId: apiKeyOf(request).storeId,
        limit: query.limit,
        after: query.cursor,
        status: query.status,
        chain: query.chain,
        token: query.token,
        reference: query.reference,
        createdFrom: query.created_from ? new Date(query.created_from) : undefined,
        createdTo: query.created_to ? new Date(query.created_to) : undefined,
      });
      const last = page.rows[page.rows.length - 1];
      return {
        data: page.rows.map((row) => toPaymentView(row, context)),
        has_more: page.hasMore,
        next_cursor: page.hasMore && last ? last.id : null,
      };
    },
  );

  api.get(
    '/v1/payments/:id',
    {
      onRequest: requireScope(deps, 'payments:read'),
      schema: {
        tags: ['payments'],
        summary: 'Get a payment with its transfers and events',
        params: paymentIdParams,
        response: { 200: paymentDetailView, ...errors },
      },
    },
    async (request) => {
      const payment = await getPayment(deps.db, request.params.id, {
        storeId: apiKeyOf(request).storeId,
      });
      const [transfers, events] = await Promise.all([
        listPaymentTransfers(deps.db, payment.id),
        listPaymentEvents(deps.db, payment.id),
      ]);
      return {
        ...toPaymentView(payment, context),
        transfers: transfers.map(toTransferView),
        events: events.map(toEventView),
      };
    },
  );

  api.post(
    '/v1/payments/:id/cancel',
    {
      onRequest: requireScope(deps, 'payments:write'),
      schema: {
        tags: ['payments'],
        summary: 'Cancel a pending payment',
        description: 'Only a payment that has seen no money can be canceled (409 otherwise).',
        params: paymentIdParams,
        response: { 200: paymentView, ...errors },
      },
    },
    async (request) => {
      const storeId = apiKeyOf(request).storeId;
      // Looked up within the store first: another store's payment is a 404, never a cancel.
      const payment = await getPayment(deps.db, request.params.id, { storeId });
      await cancelPayment(deps.db, payment.id);
      return toPaymentView(await getPayment(deps.db, payment.id, { storeId }), context);
    },
  );
}

/** A stable hash of what a request asks for: the same request always hashes the same. */
function hashRequest(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url.split('?')[0]}\n${stableJson(body)}`)
    .digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
