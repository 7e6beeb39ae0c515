import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.ts';

type Directives = Record<string, string[]>;

/**
 * Every page we serve (the checkout page above all) loads scripts, styles, fonts and API calls
 * from our own origin only, and images also as data: URIs (QR codes). Nothing inline, nothing
 * framed: a checkout page inside someone else's frame is a clickjacking target.
 */
const STRICT_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
};

/** Where app.ts serves Swagger UI. */
const DOCS_PREFIX = '/docs';

/**
 * Swagger UI loads only its own files, but its bundle injects a `<style>` element at run time,
 * which `style-src 'self'` blocks (checked in Chromium). Inline styles can restyle a page but not
 * run code, and the docs page holds no payment data, so only /docs gets them.
 */
const DOCS_DIRECTIVES: Directives = {
  ...STRICT_DIRECTIVES,
  'style-src': ["'self'", "'unsafe-inline'"],
};

/** Headers a browser script on an allowed origin may read from our responses. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
];
const ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id'];
const CORS_MAX_AGE_SECONDS = 600;

/**
 * Security headers (helmet, with a strict CSP and a looser one for /docs) and CORS for the
 * origins in CORS_ORIGINS (none: no CORS headers at all, so browsers allow same-origin only).
 * Register before any route: both work through hooks and per-route options set as routes are
 * added.
 */
export async function registerSecurity(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const https = deps.settings.http.publicUrl.startsWith('https://');
  const csp = (directives: Directives) => ({
    useDefaults: false,
    // Over plain HTTP (development, a LAN) upgrading would break every asset.
    directives: https ? { ...directives, 'upgrade-insecure-requests': [] } : directives,
  });

  // Swagger UI's plugin adds its own routes, so they get their CSP as they are added. This hook
  // runs before helmet's own onRoute hook, which reads the `helmet` route option.
  app.addHook('onRoute', (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) {
      route.helmet = { contentSecurityPolicy: csp(DOCS_DIRECTIVES) };
    }
  });

  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: csp(STRICT_DIRECTIVES),
    // The same as frame-ancestors 'none', for browsers that predate it.
    frameguard: { action: 'deny' },
    // HSTS sent over plain HTTP is ignored by browsers; behind HTTPS it pins the host to it.
    ...(https ? {} : { strictTransportSecurity: false }),
  });

  const origins = deps.settings.http.corsOrigins;
  if (origins.length > 0) {
    await app.register(cors, {
      origin: [...origins],
      // PATCH and DELETE: a dashboard manages webhook endpoints from the browser too.
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      // API keys travel in the Authorization header, never in cookies.
      credentials: false,
      maxAge: CORS_MAX_AGE_SECONDS,
    });
  }
}
