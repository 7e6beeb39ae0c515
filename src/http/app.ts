import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { newId } from '../db/ids.ts';
import type { AppDeps } from './app-deps.ts';
import { registerCheckoutRoutes } from './checkout/register-checkout-routes.ts';
import { registerRequestMetrics } from './plugins/metrics.ts';
import { registerProblemDetails, sendProblem } from './plugins/problem-details.ts';
import { registerRateLimit } from './plugins/rate-limit.ts';
import { registerSecurity } from './plugins/security.ts';
import { toProblem } from './problem.ts';
import { connectAppRedis } from './redis-client.ts';
import { registerOpsRoutes } from './routes/ops.ts';
import { registerCatalogRoutes } from './routes/v1/catalog.ts';
import { registerPaymentRoutes } from './routes/v1/payments.ts';
import { registerWebhookDeliveryRoutes } from './routes/v1/webhook-deliveries.ts';
import { registerWebhookEndpointRoutes } from './routes/v1/webhook-endpoints.ts';

/** Request bodies above this are refused (413): a payment request is a few hundred bytes. */
export const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The HTTP app, ready for `inject()` in tests or `listen()` in `ctrip serve`. Building it
 * touches nothing outside the process: the caller decides when to listen.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Behind a reverse proxy, the client's address (its rate-limit budget) is the forwarded one.
    trustProxy: trustProxyOption(deps.settings.http.trustProxy),
    // A caller's request id is kept when it is a plain token, so logs correlate across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true },
    // URLs the router refuses before any handler runs (an over-long id, a bad %-escape) are
    // answered as problems too, without echoing the URL.
    frameworkErrors: (error, _request, reply) => {
      const problem =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? toProblem('NOT_FOUND', 'no such resource')
          : toProblem('BAD_REQUEST', 'the URL is not valid');
      void sendProblem(reply, problem);
    },
  });
  // Fastify parses text/plain by default; the API takes JSON only, so that is a 415 too.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerProblemDetails(app);
  const redis = connectAppRedis(app, deps);
  // Before any route: an onRoute hook (the CSP of /docs) sees only the routes added after it.
  const metrics = registerRequestMetrics(app);
  await registerSecurity(app, deps);
  await registerRateLimit(app, deps, redis);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'cTrip API',
        version: '1',
        description:
          'Create payments, watch their status, and list what can be paid where. Authenticate with `Authorization: Bearer <API key>` (create one with `ctrip keys create`). Errors are RFC 9457 problem documents with a stable `code`.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerPaymentRoutes(app, deps);
  registerCatalogRoutes(app, deps);
  registerWebhookEndpointRoutes(app, deps);
  registerWebhookDeliveryRoutes(app, deps);
  registerCheckoutRoutes(app, deps);
  registerOpsRoutes(app, deps, { metrics, redis });
  return app;
}

/** TRUST_PROXY as Fastify takes it; a hop count trusts that many proxies nearest the server. */
function trustProxyOption(
  trust: boolean | number | readonly string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}
