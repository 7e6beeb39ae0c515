import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Secret } from '../config/secret.ts';

/**
 * Endpoint signing secrets. A receiver verifies with the secret, so cTrip must keep it
 * recoverable (unlike an API key, of which only a hash is kept): it is stored sealed with
 * AES-256-GCM under a key derived from SECRET_KEY, so a database dump alone does not let
 * anyone forge webhooks.
 */

const SECRET_PREFIX = 'whsec_';
const SEALED_VERSION = 'v1';

/** A new secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64. */
export function generateEndpointSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

/** The HMAC key a secret stands for (the bytes after `whsec_`). */
export function signingKeyOf(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** The form a secret is stored in: `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function sealEndpointSecret(secret: string, secretKey: Secret): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secretKey), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The secret back from its stored form; throws when SECRET_KEY is not the one it was sealed with. */
export function openEndpointSecret(sealed: string, secretKey: Secret): string {
  const [version, iv, ciphertext, tag] = sealed.split('.');
  if (version !== SEALED_VERSION || !iv || !ciphertext || !tag) {
    throw new Error('a webhook endpoint secret is stored in an unknown form');
  }
  const decipher = createDecipheriv(
    'aes-256-gcm',
    sealingKey(secretKey),
    Buffer.from(iv, 'base64url'),
  );
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(ciphertext, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

function sealingKey(secretKey: Secret): Buffer {
  return Buffer.from(
    hkdfSync('sha256', secretKey.reveal(), Buffer.alloc(0), 'ctrip webhook endpoint secrets', 32),
  );
}
