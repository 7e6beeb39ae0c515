import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CheckoutAssetUrls } from './render-checkout-page.ts';

/** A file the checkout page loads, held in memory. */
export interface CheckoutAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** A short hash of the body: the ETag, and the `v` in the versioned URL the page links. */
  readonly version: string;
}

export interface CheckoutAssets {
  readonly css: CheckoutAsset;
  readonly js: CheckoutAsset;
  readonly urls: CheckoutAssetUrls;
}

/**
 * Always the files beside the TypeScript sources, whether cTrip runs from src/ or from the
 * build in dist/ (same depth; the compiler does not copy them).
 */
const ASSETS_DIR = fileURLToPath(new URL('../../../src/http/checkout/assets/', import.meta.url));

/** A versioned URL never changes content: browsers may keep it a year without asking. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** An unversioned (or outdated) URL is revalidated after a few minutes. */
const SHORT = 'public, max-age=300';

/** Reads the page's stylesheet and script once, when the app is built. */
export function loadCheckoutAssets(): CheckoutAssets {
  const css = loadAsset('checkout.css', '/assets/checkout.css', 'text/css; charset=utf-8');
  const js = loadAsset('checkout.js', '/assets/checkout.js', 'text/javascript; charset=utf-8');
  return {
    css,
    js,
    urls: { css: `${css.path}?v=${css.version}`, js: `${js.path}?v=${js.version}` },
  };
}

/** Sends an asset with cache headers; a request that already holds this version gets a 304. */
export function sendCheckoutAsset(
  request: FastifyRequest,
  reply: FastifyReply,
  asset: CheckoutAsset,
): FastifyReply {
  const etag = `"${asset.version}"`;
  const version = (request.query as { v?: unknown } | undefined)?.v;
  reply
    .header('cache-control', version === asset.version ? IMMUTABLE : SHORT)
    .header('etag', etag)
    .header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

function loadAsset(file: string, path: string, contentType: string): CheckoutAsset {
  const body = readFileSync(`${ASSETS_DIR}${file}`);
  const version = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path, contentType, body, version };
}
