import { describe, expect, it } from 'vitest';
import { redactRpcUrl, redactUrlsInText } from './redact-rpc-url.ts';

describe('redactRpcUrl', () => {
  it.each([
    ['https://mainnet.infura.io/v3/KEY', 'https://mainnet.infura.io/…'],
    ['https://eth.example.com/?apikey=KEY', 'https://eth.example.com/…'],
    ['https://user:KEY@eth.example.com', 'https://eth.example.com'],
    ['https://user:KEY@eth.example.com:8545/KEY', 'https://eth.example.com:8545/…'],
    ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['http://127.0.0.1:8545/', 'http://127.0.0.1:8545'],
    ['wss://eth.example.com/ws/KEY', 'wss://eth.example.com/…'],
    ['https://eth.example.com/#KEY', 'https://eth.example.com/…'],
  ])('%s → %s', (url, redacted) => {
    expect(redactRpcUrl(url)).toBe(redacted);
  });

  it('does not echo a string that is not a URL, since it may be a key', () => {
    expect(redactRpcUrl('KEY')).toBe('<invalid url>');
  });
});

describe('redactUrlsInText', () => {
  it('redacts every URL in a message and keeps the punctuation after it', () => {
    expect(redactUrlsInText('URL: https://a.io/v3/KEY, then (http://u:KEY@b.io:1/x?k=KEY).')).toBe(
      'URL: https://a.io/…, then (http://b.io:1/…).',
    );
  });
});
