import { lookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { messageOf } from '../errors.ts';
import { WebhookError } from './errors.ts';
import { isPrivateAddress } from './private-addresses.ts';

export interface WebhookUrlOptions {
  /** WEBHOOK_ALLOW_PRIVATE_URLS: loopback, private and link-local addresses are reachable. */
  readonly allowPrivate: boolean;
}

/**
 * The URL, parsed, if cTrip may send webhooks to it: an absolute http(s) URL without
 * credentials and, unless `allowPrivate`, whose host resolves only to public addresses.
 * Throws `WEBHOOK_URL_INVALID` or `WEBHOOK_URL_REFUSED`. The answer holds for the moment of
 * the check only (DNS can change): deliveries check the address they connect to again
 * through `guardedLookup`.
 */
export async function assertWebhookUrlAllowed(
  url: string,
  options: WebhookUrlOptions,
): Promise<URL> {
  const parsed = parseWebhookUrl(url);
  if (options.allowPrivate) return parsed;
  const host = hostOf(parsed);
  const addresses = isIP(host) ? [host] : await resolveHost(host);
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) throw refusedError(parsed.hostname);
  return parsed;
}

/** The URL parsed and checked for its form only (no DNS): http(s), a host, no credentials. */
export function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookError('WEBHOOK_URL_INVALID', 'the webhook URL is not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookError('WEBHOOK_URL_INVALID', 'the webhook URL must use http or https', {
      protocol: parsed.protocol.replace(/:$/, ''),
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // The credentials are not echoed: they are a secret of the receiver.
    throw new WebhookError('WEBHOOK_URL_INVALID', 'the webhook URL must not contain credentials');
  }
  if (parsed.hostname === '') {
    throw new WebhookError('WEBHOOK_URL_INVALID', 'the webhook URL has no host');
  }
  return parsed;
}

/**
 * The host of a URL as `dns.lookup` and `net.isIP` take it: IPv6 literals without brackets.
 * The WHATWG parser has already turned odd IPv4 forms (`http://2130706433/`) into dotted ones.
 */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Whether the URL's host is an IP literal in a refused range. Node connects to a literal
 * without calling `lookup`, so `guardedLookup` never sees it: the sender checks it first.
 */
export function isRefusedLiteral(url: URL): boolean {
  const host = hostOf(url);
  return isIP(host) !== 0 && isPrivateAddress(host);
}

/**
 * A `lookup` for `http.request` that fails the connection when the name resolves to a
 * refused address. It judges the addresses the socket actually connects to, so a name that
 * resolved to a public address when the endpoint was saved and to 127.0.0.1 now (DNS
 * rebinding) is still refused. Every address must be public: one private answer refuses the
 * host, as `assertWebhookUrlAllowed` does.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      callback(refusedError(hostname), '', 0);
      return;
    }
    if (options.all) {
      (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      return;
    }
    const [first] = addresses as [(typeof addresses)[number]];
    callback(null, first.address, first.family);
  });
};

function refusedError(host: string): WebhookError {
  return new WebhookError(
    'WEBHOOK_URL_REFUSED',
    'the webhook URL resolves to a loopback, private or link-local address (WEBHOOK_ALLOW_PRIVATE_URLS is off)',
    { host },
  );
}

async function resolveHost(host: string): Promise<string[]> {
  try {
    const addresses = await new Promise<{ address: string }[]>((resolve, reject) =>
      lookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
    );
    return addresses.map((a) => a.address);
  } catch (error) {
    throw new WebhookError('WEBHOOK_URL_INVALID', 'the webhook URL host does not resolve', {
      host,
      reason: messageOf(error),
    });
  }
}
