import type { FastifyInstance, FastifyReply } from 'fastify';
import { toString as renderQrCode } from 'qrcode';
import { isId } from '../../db/ids.ts';
import { PaymentError } from '../../payments/errors.ts';
import { getPayment, type PaymentRow } from '../../payments/payment-queries.ts';
import type { AppDeps } from '../app-deps.ts';
import { HttpError } from '../problem.ts';
import { loadCheckoutAssets, sendCheckoutAsset } from './checkout-assets.ts';
import { toCheckoutStatus } from './checkout-status.ts';
import {
  type CheckoutStreamOptions,
  createCheckoutStatusStreams,
  DEFAULT_CHECKOUT_STREAM_OPTIONS,
} from './checkout-status-streams.ts';
import { renderCheckoutPage, renderNotFoundPage } from './render-checkout-page.ts';

/**
 * The page's own policy: nothing inline, nothing from elsewhere. Set on the response here so
 * it holds whatever global security headers the app adds.
 */
export const CHECKOUT_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** An SVG opened on its own must not run anything either. */
const QR_CONTENT_SECURITY_POLICY = "default-src 'none'";
const HTML = 'text/html; charset=utf-8';
const hide = { schema: { hide: true } };

type WithId = { Params: { id: string } };

/**
 * The hosted checkout: `/pay/:id` (HTML), `/pay/:id/status` (JSON), `/pay/:id/events`
 * (server-sent events), `/pay/:id/qr.svg`, and the page's stylesheet and script under
 * /assets. Public: the payer holds only the link, whose UUIDv7 id is the capability, so these
 * routes show nothing of the merchant's beyond what paying needs.
 */
export function registerCheckoutRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  options: Partial<CheckoutStreamOptions> = {},
): void {
  const assets = loadCheckoutAssets();
  const streams = createCheckoutStatusStreams({ ...DEFAULT_CHECKOUT_STREAM_OPTIONS, ...options });
  app.addHook('preClose', async () => {
    streams.closeAll();
  });

  const findPayment = async (id: string): Promise<PaymentRow | undefined> => {
    if (!isId(id)) return undefined;
    try {
      return await getPayment(deps.db, id);
    } catch (error) {
      if (error instanceof PaymentError && error.code === 'PAYMENT_NOT_FOUND') return undefined;
      throw error;
    }
  };
  // The id is not echoed: a problem detail is no place to reflect whatever a link carried.
  const requirePayment = async (id: string): Promise<PaymentRow> => {
    const payment = await findPayment(id);
    if (!payment) throw new HttpError('PAYMENT_NOT_FOUND', 'there is no payment with this id');
    return payment;
  };
  const notFoundPage = (reply: FastifyReply) =>
    pageHeaders(reply).code(404).type(HTML).send(renderNotFoundPage(assets.urls));

  app.get('/assets/checkout.css', hide, (request, reply) =>
    sendCheckoutAsset(request, reply, assets.css),
  );
  app.get('/assets/checkout.js', hide, (request, reply) =>
    sendCheckoutAsset(request, reply, assets.js),
  );

  app.get<WithId>('/pay/:id', hide, async (request, reply) => {
    const payment = await findPayment(request.params.id);
    if (!payment) return notFoundPage(reply);
    const page = renderCheckoutPage({
      payment: toCheckoutStatus(payment, deps.chains),
      address: payment.address,
      assets: assets.urls,
    });
    return pageHeaders(reply).type(HTML).send(page);
  });
  // Ids longer than the router's parameter limit, and paths under /pay that are no payment.
  app.get('/pay/*', hide, async (_request, reply) => notFoundPage(reply));

  app.get<WithId>('/pay/:id/status', hide, async (request, reply) => {
    const payment = await requirePayment(request.params.id);
    reply.header('cache-control', 'no-store');
    return toCheckoutStatus(payment, deps.chains);
  });

  app.get<WithId>(
    '/pay/:id/events',
    // A HEAD request would hold a stream open with nobody reading it.
    { ...hide, exposeHeadRoute: false },
    async (request, reply) => {
      const payment = await requirePayment(request.params.id);
      if (streams.isFull()) {
        throw new HttpError(
          'UNAVAILABLE',
          'too many live status streams; poll the status endpoint instead',
        );
      }
      streams.open({
        reply,
        requestId: request.id,
        log: request.log,
        first: toCheckoutStatus(payment, deps.chains),
        load: async () => toCheckoutStatus(await getPayment(deps.db, payment.id), deps.chains),
      });
      return reply;
    },
  );

  app.get<WithId>('/pay/:id/qr.svg', hide, async (request, reply) => {
    const payment = await requirePayment(request.params.id);
    const { payment_uri } = toCheckoutStatus(payment, deps.chains);
    const svg = await renderQrCode(payment_uri, { type: 'svg', margin: 2 });
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', QR_CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .type('image/svg+xml')
      .send(svg);
  });
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return (
    reply
      .header('content-security-policy', CHECKOUT_CONTENT_SECURITY_POLICY)
      // The status changes: a page from a cache would show an old one.
      .header('cache-control', 'no-store')
      // The link is the payer's capability: it must not leak to the merchant's or anyone's logs.
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('x-robots-tag', 'noindex, nofollow')
  );
}
