import { createHmac } from 'node:crypto';
import type { Secret } from '../config/secret.ts';
import { openEndpointSecret, signingKeyOf } from './endpoint-secrets.ts';

/**
 * The `webhook-signature` header of the Standard Webhooks specification: one
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` per secret, space-separated, so a
 * receiver holding either the old or the new secret during a rotation verifies the request.
 */
export function signWebhook(params: {
  readonly id: string;
  /** Unix seconds, the value of `webhook-timestamp`. */
  readonly timestamp: number;
  readonly body: string;
  readonly secrets: readonly string[];
}): string {
  const content = `${params.id}.${params.timestamp}.${params.body}`;
  return params.secrets
    .map(
      (secret) =>
        `v1,${createHmac('sha256', signingKeyOf(secret)).update(content).digest('base64')}`,
    )
    .join(' ');
}

export interface EndpointSecrets {
  readonly secret: string;
  readonly previous_secret: string | null;
  readonly previous_secret_expires_at: Date | null;
}

/**
 * The secrets a delivery is signed with, opened from their sealed form: the current one, and
 * the previous one while its overlap lasts (`previous_secret_expires_at` after `now`).
 */
export function signingSecretsOf(
  endpoint: EndpointSecrets,
  secretKey: Secret,
  now: Date,
): string[] {
  const secrets = [openEndpointSecret(endpoint.secret, secretKey)];
  if (
    endpoint.previous_secret !== null &&
    endpoint.previous_secret_expires_at !== null &&
    endpoint.previous_secret_expires_at.getTime() > now.getTime()
  ) {
    secrets.push(openEndpointSecret(endpoint.previous_secret, secretKey));
  }
  return secrets;
}
