import { z } from 'zod';

const MAX_METADATA_BYTES = 4096;

/**
 * Text from a client. NUL is refused everywhere: PostgreSQL cannot store it in text, and
 * SQLite would store what PostgreSQL refuses, so the engines would disagree.
 */
const text = () =>
  z.string().refine((value) => !value.includes('\0'), 'must not contain NUL characters');

/** Where a payer is sent back: an absolute http(s) URL. */
const redirectUrl = text()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// URL');

export const createPaymentBody = z
  .object({
    chain: text().min(1).max(64).describe('The chain name, as GET /v1/chains lists it'),
    token: text().min(1).max(64).describe('A token symbol (USDC) or contract address'),
    amount: text()
      .min(1)
      .max(100)
      .describe('The amount in token units as a decimal string, e.g. "12.50"'),
    expires_in: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .optional()
      .describe('Seconds until the payment expires (default: PAYMENT_EXPIRES_IN_SECONDS)'),
    reference: text().min(1).max(200).optional().describe("The merchant's order id"),
    metadata: z
      .record(z.string().max(100), z.unknown())
      .refine(
        (value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_METADATA_BYTES,
        `must be at most ${MAX_METADATA_BYTES} bytes of JSON`,
      )
      .refine(
        (value) => !JSON.stringify(value).includes('\\u0000'),
        'must not contain NUL characters',
      )
      .optional()
      .describe('Your own data, returned as given (a JSON object of at most 4 KiB)'),
    redirect_url: redirectUrl
      .optional()
      .describe('Where the checkout page sends the payer once paid'),
  })
  .strict();

export const paymentIdParams = z.object({ id: text().min(1).max(100) }).strict();

export const listPaymentsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: text().max(100).optional().describe('next_cursor of the previous page'),
    status: z
      .enum(['pending', 'detected', 'confirmed', 'settled', 'expired', 'canceled'])
      .optional(),
    chain: text().max(64).optional(),
    token: text().max(64).optional(),
    reference: text().max(200).optional(),
    created_from: z.iso.datetime({ offset: true }).optional(),
    created_to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const tokenView = z.object({
  symbol: z.string(),
  address: z.string().nullable(),
  decimals: z.number().int(),
});

export const paymentView = z.object({
  id: z.string(),
  status: z.string(),
  exception: z.string().nullable(),
  chain: z.string(),
  chain_id: z.number().int().nullable(),
  token: tokenView,
  amount: z.string(),
  amount_base_units: z.string(),
  amount_received: z.string(),
  amount_received_base_units: z.string(),
  address: z.string(),
  payment_uri: z.string(),
  checkout_url: z.string(),
  confirmations: z.number().int(),
  reference: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  redirect_url: z.string().nullable(),
  expires_at: z.string(),
  confirmed_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const transferView = z.object({
  tx_hash: z.string(),
  log_index: z.number().int(),
  from: z.string(),
  token: tokenView,
  amount: z.string(),
  amount_base_units: z.string(),
  block_number: z.string(),
  block_hash: z.string(),
  block_time: z.string(),
  confirmations: z.number().int(),
  status: z.string(),
});

export const eventView = z.object({
  id: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

export const paymentDetailView = paymentView.extend({
  transfers: z.array(transferView),
  events: z.array(eventView),
});

export const paymentListView = z.object({
  data: z.array(paymentView),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

export const problemView = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
