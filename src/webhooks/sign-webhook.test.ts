import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { Secret } from '../config/secret.ts';
import { generateEndpointSecret, sealEndpointSecret } from './endpoint-secrets.ts';
import { signingSecretsOf, signWebhook } from './sign-webhook.ts';

const KEY = new Secret('sign-webhook-test-key-0123456789abcdef0123');

describe('signWebhook', () => {
  it('produces the signature the standardwebhooks package produces', () => {
    const secret = generateEndpointSecret();
    const id = '0190a0f0-0000-7000-8000-000000000001';
    const timestamp = 1_900_000_000;
    const body = '{"id":"x","type":"payment.created","data":{"amount":"1.5","note":"é ✓"}}';
    expect(signWebhook({ id, timestamp, body, secrets: [secret] })).toBe(
      new Webhook(secret).sign(id, new Date(timestamp * 1000), body),
    );
  });

  it('lists one signature per secret, so either secret verifies', () => {
    const [oldSecret, newSecret] = [generateEndpointSecret(), generateEndpointSecret()];
    const id = 'msg_1';
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"hello":"world"}';
    const signature = signWebhook({ id, timestamp, body, secrets: [newSecret, oldSecret] });
    expect(signature.split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual({ hello: 'world' });
    expect(new Webhook(newSecret).verify(body, headers)).toEqual({ hello: 'world' });
    expect(() => new Webhook(newSecret).verify(`${body} `, headers)).toThrow();
  });
});

describe('signingSecretsOf', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const current = generateEndpointSecret();
  const previous = generateEndpointSecret();
  const endpoint = (expiresAt: Date | null) => ({
    secret: sealEndpointSecret(current, KEY),
    previous_secret: expiresAt === null ? null : sealEndpointSecret(previous, KEY),
    previous_secret_expires_at: expiresAt,
  });

  it('signs with the previous secret only while its overlap lasts', () => {
    expect(signingSecretsOf(endpoint(new Date(now.getTime() + 1)), KEY, now)).toEqual([
      current,
      previous,
    ]);
    expect(signingSecretsOf(endpoint(now), KEY, now)).toEqual([current]);
    expect(signingSecretsOf(endpoint(null), KEY, now)).toEqual([current]);
  });

  it('refuses to open a secret with another SECRET_KEY', () => {
    expect(() =>
      signingSecretsOf(endpoint(null), new Secret('another-key-0123456789abcdef0123456789'), now),
    ).toThrow();
  });
});
