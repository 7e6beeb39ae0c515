import { describe, expect, test } from 'vitest';
import { WebhookError } from './errors.ts';
import { isPrivateAddress } from './private-addresses.ts';
import { assertWebhookUrlAllowed } from './url-guard.ts';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    if (error instanceof WebhookError) return error.code;
    throw error;
  }
}

describe('assertWebhookUrlAllowed', () => {
  test.each([
    'ftp://example.com/hook',
    'javascript:alert(1)',
    'file:///etc/passwd',
    '/relative/path',
    'not a url',
  ])('refuses %s as not an http(s) URL', async (url) => {
    expect(await codeOf(assertWebhookUrlAllowed(url, { allowPrivate: true }))).toBe(
      'WEBHOOK_URL_INVALID',
    );
  });

  test('refuses credentials in the URL without echoing them', async () => {
    const error = await assertWebhookUrlAllowed('https://user:hunter2@example.com/hook', {
      allowPrivate: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).code).toBe('WEBHOOK_URL_INVALID');
    expect(
      JSON.stringify({ ...(error as WebhookError), message: (error as Error).message }),
    ).not.toContain('hunter2');
  });

  test.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://2130706433/hook', // 127.0.0.1 as one number
    'http://0x7f.1/hook',
    'http://10.0.0.5/hook',
    'http://172.20.1.1/hook',
    'http://192.168.1.10/hook',
    'http://100.64.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/hook',
    'http://224.0.0.1/hook',
    'http://[::1]/hook',
    'http://[::]/hook',
    'http://[fe80::1]/hook',
    'http://[fd12:3456::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:169.254.169.254]/hook',
    'http://[64:ff9b::10.0.0.1]/hook',
    'http://[ff02::1]/hook',
  ])('refuses %s when private URLs are not allowed', async (url) => {
    expect(await codeOf(assertWebhookUrlAllowed(url, { allowPrivate: false }))).toBe(
      'WEBHOOK_URL_REFUSED',
    );
  });

  test('allows the same private URLs when the operator allows them', async () => {
    const url = await assertWebhookUrlAllowed('http://127.0.0.1:8080/hook?x=1', {
      allowPrivate: true,
    });
    expect(url.href).toBe('http://127.0.0.1:8080/hook?x=1');
  });

  test.each([
    'https://93.184.215.14/hook',
    'http://8.8.8.8:8443/hook',
    'https://[2606:4700:4700::1111]/hook',
    'http://[::ffff:8.8.8.8]/hook',
  ])('allows the public address %s', async (url) => {
    expect(await codeOf(assertWebhookUrlAllowed(url, { allowPrivate: false }))).toBe('allowed');
  });

  test('refuses a host that does not resolve when it must be checked', async () => {
    expect(
      await codeOf(
        assertWebhookUrlAllowed('https://no-such-host.invalid/hook', { allowPrivate: false }),
      ),
    ).toBe('WEBHOOK_URL_INVALID');
  });
});

describe('isPrivateAddress', () => {
  test('public addresses next to private ranges are public', () => {
    expect(isPrivateAddress('100.128.0.1')).toBe(false); // just past CGNAT 100.64/10
    expect(isPrivateAddress('172.32.0.1')).toBe(false); // just past 172.16/12
    expect(isPrivateAddress('169.253.255.255')).toBe(false);
    expect(isPrivateAddress('64:ff9b::808:808')).toBe(false); // NAT64 of 8.8.8.8
    expect(isPrivateAddress('not-an-ip')).toBe(true);
  });
});
