import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaksInternals, startTestApi, type TestApi, type TestApiKey } from '../../test/api.ts';
import { engines } from '../../test/database.ts';
import { MAX_UINT256 } from '../amounts.ts';

/** Change the seed to explore other inputs; a failure names the seed and case to replay. */
const SEED = 0x5eed_c7a1;
const CASES = 300;

/** mulberry32: a tiny PRNG, so every run sends the same requests. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const text = (length: number, alphabet: string) =>
    Array.from({ length }, () => alphabet[int(alphabet.length)]).join('');
  return { next, int, pick, text };
}

type Random = ReturnType<typeof createRandom>;

const VALID = { chain: 'devnet', token: 'USDC', amount: '1' } as const;
// U+0000 included: PostgreSQL cannot store it, so the API must refuse it before the database.
const JUNK_TEXT =
  'abcXYZ0123456789 -_.,:;!?@#$%^&*()[]{}<>"\'\\/|`~é漢字🙂\u202e\u200f\u0000\u0001\u0007';

/** Values of the wrong JSON type or shape, whatever field they are put in. */
function junkValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 9)) {
    case 0:
      return r.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, -(2 ** 63)]);
    case 1:
      return r.pick([true, false, null]);
    case 2:
      return [];
    case 3:
      return {};
    case 4:
      return r.pick<unknown>([{ $gt: '' }, { toString: 'x' }, { valueOf: 1 }, [null]]);
    case 5:
      return r.int(2) ? [1, '2', null] : { a: { b: { c: [] } } };
    case 6:
      return Array.from({ length: 1 + r.int(4) }, () => junkValue(r, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: 1 + r.int(4) }, (_, i) => [`k${i}`, junkValue(r, depth + 1)]),
      );
    default:
      return { nested: junkValue(r, depth + 1) };
  }
}

/** Amounts the API must refuse for USDC (6 decimals), as strings or as other JSON values. */
function badAmount(r: Random): unknown {
  const digits = (n: number) => `${1 + r.int(9)}${r.text(n, '0123456789')}`;
  return r.pick<() => unknown>([
    () => r.pick([1, 12.5, -1, 0, 1e21, 1e-7]),
    () => `-${digits(r.int(6))}`,
    () => r.pick(['0', '0.0', '000', '0.000000', '-0']),
    () => `${digits(r.int(3))}${r.pick(['e', 'E'])}${r.pick(['', '-', '+'])}${r.int(30)}`,
    // Seven to thirty places with a last digit that is not zero: always one place too many.
    () => `${r.int(100)}.${r.text(6 + r.int(24), '0123456789')}${1 + r.int(9)}`,
    () => (MAX_UINT256 / 10n ** 6n + 1n + BigInt(r.int(1_000_000))).toString(),
    () => digits(79 + r.int(20)),
    () => '9'.repeat(101 + r.int(1000)),
    () => r.pick(['١٢٣', '１２３', '𝟏𝟐', '٣.٥', '१२', '¹²', 'Ⅻ', '١']),
    () => `${r.pick(['\u202e', '\u200f', '\u2067', '\u061c'])}${digits(2)}`,
    () => r.pick(['مئة', 'עשרה', '十', 'ten', 'NaN', 'Infinity', '-Infinity', 'null', 'true']),
    () => r.pick(['1_000', '1,5', '1 000', '.5', '5.', '+1', '0x1f', '0b11', '1..2', '1.2.3']),
    () => r.pick(['', ' ', '\t', '\n1\n2']),
    () => junkValue(r),
  ])();
}

/** A field and a value it must refuse. */
function badField(r: Random): [string, unknown] {
  const long = (min: number) => r.text(min + r.int(2000), JUNK_TEXT);
  // Amounts weigh triple: they are where money goes wrong.
  switch (Math.max(0, r.int(9) - 2)) {
    case 0:
      return ['amount', badAmount(r)];
    case 1:
      return [
        'chain',
        r.pick<() => unknown>([
          () => junkValue(r),
          () => '',
          () => long(65),
          () => `nochain-${r.text(6, 'abcdef')}`,
          () => r.pick(['\u202edevnet', 'devnet\u200b', 'dev\u0001net', 'DEVNET ', 'سلسلة']),
        ])(),
      ];
    case 2:
      return [
        'token',
        r.pick<() => unknown>([
          () => junkValue(r),
          () => '',
          () => long(65),
          () => `0x${r.text(40, '0123456789abcdef')}`,
          () => r.pick(['DOGE', 'usdc\u0000', '\u202eUSDC', 'US DC', 'ΕΤΗ', '0x', '0x5fbdb2']),
        ])(),
      ];
    case 3:
      return [
        'expires_in',
        r.pick<() => unknown>([
          () => junkValue(r),
          () => r.int(60) - r.int(1e9),
          () => 30 * 86_400 + 1 + r.int(1e12),
          () => 60 + r.int(1e6) + 0.5,
          () => String(600 + r.int(600)),
          () => r.pick([Number.MAX_SAFE_INTEGER + 2, 1e300, -0.1]),
        ])(),
      ];
    case 4:
      return [
        'reference',
        r.pick<() => unknown>([
          () => r.pick([1, true, null, [], {}, ['order'], { id: 1 }]),
          () => '',
          () => long(201),
        ])(),
      ];
    case 5:
      return [
        'metadata',
        r.pick<() => unknown>([
          () => r.pick([[], [1], 'gift', 1, true, null]),
          () => ({ blob: long(4100) }),
          () => ({ [r.text(101 + r.int(100), 'abc')]: 1 }),
          () => deepObject(700 + r.int(1000)),
        ])(),
      ];
    default:
      return [
        'redirect_url',
        r.pick<() => unknown>([
          () => junkValue(r),
          () =>
            r.pick([
              'ftp://shop.example/',
              'javascript:alert(1)',
              'data:text/html,<script>1</script>',
              'mailto:a@shop.example',
              'file:///etc/passwd',
              '/relative',
              '//shop.example/x',
              'not a url',
              '',
              'http://',
              '\u202ehttps://shop.example',
            ]),
          () => `https://shop.example/${'a'.repeat(2048)}`,
        ])(),
      ];
  }
}

function deepObject(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

interface FuzzCase {
  readonly label: string;
  readonly payload: string | Buffer;
  readonly contentType: string;
  readonly idempotencyKey?: string;
}

const json = (label: string, body: unknown): FuzzCase => ({
  label,
  payload: JSON.stringify(body),
  contentType: 'application/json',
});

/** A body the API must refuse: a valid one with bad fields, unknown keys, or junk altogether. */
function generateCase(r: Random, index: number): FuzzCase {
  const kind = r.int(10);
  let made: FuzzCase;
  if (kind < 5) {
    const body: Record<string, unknown> = { ...VALID };
    const fields: string[] = [];
    for (let n = r.int(4) === 0 ? 2 : 1; n > 0; n--) {
      const [field, value] = badField(r);
      body[field] = value;
      fields.push(field);
    }
    if (r.int(3) === 0) delete body[r.pick(['chain', 'token', 'amount'])];
    made = json(`bad ${fields.join('+')}`, body);
  } else if (kind === 5) {
    const key = r.pick([
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'CHAIN',
      'amount ',
      '',
      r.text(8, JUNK_TEXT),
    ]);
    made = json(`unknown key ${JSON.stringify(key)}`, { ...VALID, [key]: junkValue(r) });
  } else if (kind === 6) {
    // Written by hand: JSON.stringify would drop a __proto__ key set on an object literal.
    const where = r.pick(['top', 'metadata', 'constructor']);
    const inner = '{"__proto__":{"polluted":true},"x":1}';
    const text =
      where === 'top'
        ? `{"chain":"devnet","token":"USDC","amount":"1","__proto__":{"polluted":true}}`
        : where === 'metadata'
          ? `{"chain":"devnet","token":"USDC","amount":"1","metadata":${inner}}`
          : `{"chain":"devnet","token":"USDC","amount":"1","metadata":{"constructor":{"prototype":{"polluted":true}}}}`;
    made = {
      label: `prototype pollution in ${where}`,
      payload: text,
      contentType: 'application/json',
    };
  } else if (kind === 7) {
    made = r.pick<() => FuzzCase>([
      () => json('null body', null),
      () => json('true body', true),
      () => json('number body', r.int(1000)),
      () => json('string body', r.text(20, JUNK_TEXT)),
      () => json('empty array body', []),
      () => json('array of a valid body', [VALID]),
      () => ({
        label: 'deep array',
        payload: deepArray(2000 + r.int(10_000)),
        contentType: 'application/json',
      }),
      () => json('deep object', { ...VALID, nested: deepObject(500 + r.int(3000)) }),
    ])();
  } else if (kind === 8) {
    const valid = JSON.stringify(VALID);
    made = r.pick<() => FuzzCase>([
      () => ({
        label: 'truncated JSON',
        payload: valid.slice(0, 1 + r.int(valid.length - 2)),
        contentType: 'application/json',
      }),
      () => ({
        label: 'trailing junk',
        payload: `${valid}${r.pick([',', '}', 'x', '{}'])}`,
        contentType: 'application/json',
      }),
      () => ({ label: 'empty body', payload: '', contentType: 'application/json' }),
      () => ({
        label: 'invalid UTF-8',
        payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        contentType: 'application/json',
      }),
      () => ({
        label: 'single quotes',
        payload: "{'chain':'devnet'}",
        contentType: 'application/json',
      }),
      () => ({
        label: 'NaN literal',
        payload: '{"chain":"devnet","token":"USDC","amount":NaN}',
        contentType: 'application/json',
      }),
      () => ({
        label: 'huge number literal',
        payload: `{"chain":"devnet","token":"USDC","amount":"1","expires_in":1${'0'.repeat(400)}}`,
        contentType: 'application/json',
      }),
      () => ({ label: 'text/plain', payload: valid, contentType: 'text/plain' }),
      () => ({
        label: 'form',
        payload: 'chain=devnet&token=USDC&amount=1',
        contentType: 'application/x-www-form-urlencoded',
      }),
      () => ({ label: 'xml', payload: '<payment/>', contentType: 'application/xml' }),
      () => ({
        label: 'multipart',
        payload: '--x\r\n\r\n--x--',
        contentType: 'multipart/form-data; boundary=x',
      }),
    ])();
  } else {
    made = r.pick<() => FuzzCase>([
      () =>
        json('oversized metadata', {
          ...VALID,
          metadata: { blob: 'x'.repeat(65_536 + r.int(100_000)) },
        }),
      () =>
        json('oversized reference', { ...VALID, reference: '漢'.repeat(22_000 + r.int(50_000)) }),
      () =>
        json(
          'many keys',
          Object.fromEntries(Array.from({ length: 8000 + r.int(8000) }, (_, i) => [`k${i}`, i])),
        ),
    ])();
  }
  // Some with an Idempotency-Key, so a refused request is seen to leave no claim behind.
  return r.int(3) === 0 ? { ...made, idempotencyKey: `fuzz-${index}` } : made;
}

/** The same cases on every run and engine. */
function generateCases(seed: number, count: number): FuzzCase[] {
  const r = createRandom(seed);
  return Array.from({ length: count }, (_, i) => generateCase(r, i));
}

const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'code'] as const;

describe.each(engines)('POST /v1/payments fuzzing on %s', (engine) => {
  let api: TestApi;
  let key: TestApiKey;

  beforeAll(async () => {
    api = await startTestApi(engine);
    key = await api.keys.create();
    return () => api.teardown();
  });
  afterAll(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  /** What a refused request must leave as it was. */
  const snapshot = async () => ({
    payments: await api.db.selectFrom('payments').select('id').orderBy('id').execute(),
    events: await api.db.selectFrom('payment_events').select('id').orderBy('id').execute(),
    sequences: await api.db.selectFrom('sequences').selectAll().orderBy('name').execute(),
    idempotencyKeys: await api.db.selectFrom('idempotency_keys').select('id').execute(),
  });

  it(`answers ${CASES} malformed bodies (seed ${SEED}) with 4xx problem documents and writes nothing`, async () => {
    const before = await snapshot();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const [index, fuzz] of generateCases(SEED, CASES).entries()) {
      const response = await api.app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: {
          ...key.headers,
          'content-type': fuzz.contentType,
          ...(fuzz.idempotencyKey ? { 'idempotency-key': fuzz.idempotencyKey } : {}),
        },
        payload: fuzz.payload,
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const problems = problemsWith(
        response.statusCode,
        response.headers['content-type'],
        response.body,
      );
      if (problems.length > 0) {
        failures.push(
          `case ${index} (${fuzz.label}): ${problems.join('; ')}: ${response.body.slice(0, 300)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // Each kind of refusal was reached, so the generator still exercises every layer.
    expect([...statuses.keys()].sort()).toEqual([400, 413, 415, 422]);
  });
});

/** What is wrong with an answer to a malformed request; empty when it is a proper 4xx problem. */
function problemsWith(status: number, contentType: unknown, text: string): string[] {
  const problems: string[] = [];
  if (status < 400 || status > 499) problems.push(`status ${status}`);
  if (typeof contentType !== 'string' || !contentType.startsWith('application/problem+json')) {
    problems.push(`content-type ${String(contentType)}`);
  }
  if (leaksInternals(text)) problems.push('leaks a stack trace');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [...problems, 'body is not JSON'];
  }
  for (const name of PROBLEM_KEYS) {
    const expected = name === 'status' ? 'number' : 'string';
    if (typeof body[name] !== expected) problems.push(`${name} is not a ${expected}`);
  }
  if (body.status !== status) problems.push(`body status ${String(body.status)}`);
  return problems;
}
