import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChainsFile, readChainsFile } from './chains-file.ts';
import { ConfigError } from './errors.ts';

const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const USDT = '0xdAC17F958D2ee523a2206206994597C13D831ec7';

const FULL = `
- name: ethereum
  chain_id: 1
  rpc_urls:
    - https://eth-mainnet.g.alchemy.com/v2/key-123
    - http://127.0.0.1:8545
  confirmations: 12
  reorg_window: 128
  poll_interval: 12s
  max_block_range: 2000
  start_block: 19000000
  native:
    symbol: ETH
    decimals: 18
    underpayment_tolerance: '0.0001'
    min_sweep: 0.01
  tokens:
    - symbol: USDC
      address: '${USDC}'
      decimals: 6
      underpayment_tolerance: '0.01'
      min_sweep: 5
    - symbol: USDT
      address: ${USDT}
      decimals: 6
- name: base-sepolia
  chain_id: 84532
  rpc_urls: [https://sepolia.base.org]
  confirmations: finalized
  native: { symbol: ETH }
`;

/** A one-chain file whose chain has `extra` (YAML lines indented by two) added. */
function chain(extra = '', base = 'name: ethereum\nchain_id: 1\nconfirmations: 12'): string {
  const lines = [
    ...base.split('\n'),
    'rpc_urls: [https://rpc.example]',
    'native: { symbol: ETH }',
    ...extra.split('\n').filter((line) => line !== ''),
  ];
  return lines.map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`)).join('\n');
}

function refusal(text: string): ConfigError {
  try {
    parseChainsFile(text, 'chains.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the chains file to be refused');
}

function problems(text: string): string[] {
  const error = refusal(text);
  expect(error.code).toBe('CONFIG_INVALID');
  expect(error.issues.every((issue) => issue.variable === 'CHAINS_FILE')).toBe(true);
  return error.issues.map((issue) => issue.message);
}

describe('parseChainsFile', () => {
  it('reads every option of a chain, and applies the defaults to one that sets none', () => {
    const [ethereum, base, ...rest] = parseChainsFile(FULL, 'chains.yaml');
    expect(rest).toEqual([]);
    expect(ethereum).toEqual({
      name: 'ethereum',
      chainId: 1,
      rpcUrls: ['https://eth-mainnet.g.alchemy.com/v2/key-123', 'http://127.0.0.1:8545'],
      confirmations: { kind: 'depth', blocks: 12 },
      reorgWindow: 128,
      pollIntervalMs: 12_000,
      maxBlockRange: 2000,
      startBlock: 19_000_000n,
      native: {
        symbol: 'ETH',
        decimals: 18,
        underpaymentTolerance: 100_000_000_000_000n,
        minSweep: 10_000_000_000_000_000n,
      },
      tokens: [
        {
          symbol: 'USDC',
          address: USDC.toLowerCase(),
          decimals: 6,
          underpaymentTolerance: 10_000n,
          minSweep: 5_000_000n,
        },
        {
          symbol: 'USDT',
          address: USDT.toLowerCase(),
          decimals: 6,
          underpaymentTolerance: 0n,
          minSweep: 0n,
        },
      ],
    });
    expect(base).toEqual({
      name: 'base-sepolia',
      chainId: 84532,
      rpcUrls: ['https://sepolia.base.org'],
      confirmations: { kind: 'tag', tag: 'finalized' },
      reorgWindow: 64,
      pollIntervalMs: 5000,
      maxBlockRange: 500,
      startBlock: 'latest',
      native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
      tokens: [],
    });
  });

  it('accepts the example documented at the top of chains-file.ts', () => {
    const source = readFileSync(new URL('./chains-file.ts', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)\n \* ```/.exec(source)?.[1];
    const yaml = example?.replace(/^ \*( |$)/gm, '') ?? '';
    expect(parseChainsFile(yaml, 'example').map((c) => c.name)).toEqual([
      'ethereum',
      'base-sepolia',
    ]);
  });

  it('returns frozen configuration', () => {
    const chains = parseChainsFile(FULL, 'chains.yaml');
    const [ethereum] = chains;
    expect(Object.isFrozen(chains)).toBe(true);
    for (const part of [ethereum, ethereum?.rpcUrls, ethereum?.native, ethereum?.tokens]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(Object.isFrozen(ethereum?.tokens[0])).toBe(true);
    expect(Object.isFrozen(ethereum?.confirmations)).toBe(true);
  });

  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1m', 60_000],
    ['750', 750],
    [250, 250],
  ])('reads poll_interval %j as %i ms', (value, ms) => {
    const [parsed] = parseChainsFile(chain(`poll_interval: ${value}`), 'chains.yaml');
    expect(parsed?.pollIntervalMs).toBe(ms);
  });

  it('reads confirmations: safe as a tag rule', () => {
    const [parsed] = parseChainsFile(chain('', 'name: x\nchain_id: 1\nconfirmations: safe'), 'f');
    expect(parsed?.confirmations).toEqual({ kind: 'tag', tag: 'safe' });
  });

  it('reads amounts and block numbers from the text, exactly, where YAML would use a float', () => {
    const [parsed] = parseChainsFile(
      chain(
        'start_block: 9007199254740993\n' +
          'tokens: [{ symbol: DAI, address: 0x6b175474e89094c44da98b954eedeac495271d0f, ' +
          'decimals: 18, underpayment_tolerance: 0.1, min_sweep: 123456789012345678901 }]',
      ),
      'chains.yaml',
    );
    expect(parsed?.startBlock).toBe(9_007_199_254_740_993n);
    expect(parsed?.tokens[0]?.address).toBe('0x6b175474e89094c44da98b954eedeac495271d0f');
    expect(parsed?.tokens[0]?.underpaymentTolerance).toBe(100_000_000_000_000_000n);
    expect(parsed?.tokens[0]?.minSweep).toBe(123_456_789_012_345_678_901n * 10n ** 18n);
  });

  it('accepts a correctly checksummed mixed-case address and an all upper-case one', () => {
    const tokens = `tokens:\n  - { symbol: A, address: '${USDC}', decimals: 6 }\n  - { symbol: B, address: '0x${USDT.slice(2).toUpperCase()}', decimals: 6 }`;
    const [parsed] = parseChainsFile(chain(tokens), 'chains.yaml');
    expect(parsed?.tokens.map((t) => t.address)).toEqual([USDC.toLowerCase(), USDT.toLowerCase()]);
  });

  it.each([
    ['rpc_url: https://x', 'rpc_url: is not a known key; did you mean rpc_urls?'],
    ['chainId: 5', 'chainId: is not a known key; did you mean chain_id?'],
    ['colour: blue', 'colour: is not a known key'],
    ['reorg_window: 0', 'reorg_window: must be a whole number from 1 to 10000 (got 0)'],
    ['reorg_window: 8', 'reorg_window: must be at least the confirmation depth (12)'],
    ['max_block_range: 100001', 'max_block_range: must be a whole number from 1 to 100000'],
    ['poll_interval: 2h', 'poll_interval: must be a duration from 10ms to 60m'],
    ['poll_interval: 5ms', 'poll_interval: must be a duration'],
    ['start_block: -1', 'start_block: must be a block number or latest (got "-1")'],
    ['start_block: earliest', 'start_block: must be a block number or latest'],
    [
      'tokens: [{ symbol: USDC, address: "0x12", decimals: 6 }]',
      'tokens[0].address: must be a 0x-prefixed 20-byte hex address (got "0x12")',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC.replace('A0b8', 'a0B8')}", decimals: 6 }]`,
      'tokens[0].address: has a wrong EIP-55 checksum',
    ],
    [
      `tokens: [{ symbol: USDC, address: "0x${'0'.repeat(40)}", decimals: 6 }]`,
      'tokens[0].address: is the zero address',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC}", decimals: 37 }]`,
      'tokens[0].decimals: must be a whole number from 0 to 36 (got 37)',
    ],
    [`tokens: [{ symbol: USDC, address: "${USDC}" }]`, 'tokens[0].decimals: is required'],
    [
      `tokens: [{ symbol: "US DC", address: "${USDC}", decimals: 6 }]`,
      'tokens[0].symbol: must be 1 to 16 of A-Z a-z 0-9 . $ _ - (got "US DC")',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC}", decimals: 6, underpayment_tolerance: "0.0000001" }]`,
      'tokens[0].underpayment_tolerance: has 7 decimal places; this token allows at most 6',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC}", decimals: 6, min_sweep: "-1" }]`,
      'tokens[0].min_sweep: must not be negative',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC}", decimals: 6, min_sweep: 1e3 }]`,
      'tokens[0].min_sweep: must be a decimal number',
    ],
    [
      `tokens: [{ symbol: eth, address: "${USDC}", decimals: 6 }]`,
      'tokens[0].symbol: is already the symbol of the native coin (got "eth")',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC}", decimals: 6 }, { symbol: usdc, address: "${USDT}", decimals: 6 }]`,
      'tokens[1].symbol: is already the symbol of tokens[0] (got "usdc")',
    ],
    [
      `tokens: [{ symbol: USDC, address: "${USDC}", decimals: 6 }, { symbol: X, address: "${USDC.toLowerCase()}", decimals: 6 }]`,
      'tokens[1].address: is already listed as tokens[0]',
    ],
    ['tokens: USDC', 'tokens: must be a list of tokens (got "USDC")'],
  ])('reports %j on its line, naming the chain and the field', (extra, expected) => {
    const lines = problems(chain(extra));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`chains.yaml:`);
    expect(lines[0]).toContain(`chain "ethereum" (#1): ${expected}`);
    expect(lines[0]).toMatch(/^chains\.yaml:(6|7): /);
  });

  it.each([
    ['name: Ethereum', 'chain #1: name: must be 1 to 32 of a-z 0-9 -, starting with a letter'],
    ['name: ethereum\nconfirmations: 12', 'chain "ethereum" (#1): chain_id: is required'],
    ['name: x\nchain_id: 0\nconfirmations: 12', 'chain "x" (#1): chain_id: must be a positive'],
    ['name: x\nchain_id: 1\nconfirmations: 0', 'chain "x" (#1): confirmations: must be a block'],
    ['name: x\nchain_id: 1\nconfirmations: latest', 'confirmations: must be a block depth'],
    ['name: x\nchain_id: 1', 'chain "x" (#1): confirmations: is required'],
  ])('reports a bad or missing required field (%j)', (base, expected) => {
    const lines = problems(chain('', base));
    expect(lines).toContainEqual(expect.stringContaining(expected));
  });

  it('names the chain by its position when it has no usable name', () => {
    const text = `${chain()}\n- chain_id: 2\n  rpc_urls: [https://b.example]\n  confirmations: 3\n  native: { symbol: B }`;
    expect(problems(text)).toEqual(['chains.yaml:6: chain #2: name: is required']);
  });

  it('reports duplicate chain names and chain ids across the file', () => {
    const second = chain('', 'name: ethereum\nchain_id: 1\nconfirmations: 3');
    expect(problems(`${chain()}\n${second}`)).toEqual([
      'chains.yaml:6: chain "ethereum" (#2): name: is already the name of chain #1',
      'chains.yaml:7: chain "ethereum" (#2): chain_id: 1 is already used by chain "ethereum" (#1)',
    ]);
  });

  it('reports every problem at once, one line each, in file order', () => {
    const text = `
- name: ethereum
  chain_id: -1
  rpc_url: https://x
  confirmations: 12
  native: { symbol: ETH, decimals: 99 }
- name: polygon
  rpc_urls: []
  confirmations: finalized
  native: { symbol: POL }
  tokens:
    - { symbol: USDC, address: "0x12", decimals: 6, min_sweep: abc }
`;
    expect(problems(text)).toEqual([
      'chains.yaml:2: chain "ethereum" (#1): rpc_urls: is required',
      'chains.yaml:3: chain "ethereum" (#1): chain_id: must be a positive whole number (got "-1")',
      'chains.yaml:4: chain "ethereum" (#1): rpc_url: is not a known key; did you mean rpc_urls?',
      'chains.yaml:6: chain "ethereum" (#1): native.decimals: must be a whole number from 0 to 36 (got 99)',
      'chains.yaml:7: chain "polygon" (#2): chain_id: is required',
      'chains.yaml:8: chain "polygon" (#2): rpc_urls: must list at least one URL',
      'chains.yaml:12: chain "polygon" (#2): tokens[0].address: must be a 0x-prefixed 20-byte hex address (got "0x12")',
    ]);
    expect(refusal(text).message.split('\n')).toHaveLength(7);
  });

  it('never repeats an RPC URL, which may carry an API key, in a message', () => {
    const cases = [
      'rpc_urls: [https://ok.example, "ftp://user:SECRET-KEY@rpc.example"]',
      'rpc_urls: "https://rpc.example/v2/SECRET-KEY"',
      'rpc_urls: [rpc.example/v2/SECRET-KEY]',
      'rpc_urls: ["https:rpc.example/v2/SECRET-KEY"]',
    ];
    for (const rpcUrls of cases) {
      const text = chain('', 'name: x\nchain_id: 1\nconfirmations: 1').replace(
        'rpc_urls: [https://rpc.example]',
        rpcUrls,
      );
      const error = refusal(text);
      expect(error.message).toMatch(/rpc_urls(\[\d\])?: must be/);
      expect(error.message).not.toContain('SECRET-KEY');
    }
    const misplaced = refusal(`${chain()}\n- https://user:SECRET-KEY@rpc.example`);
    expect(misplaced.message).toContain('chain #2: must be a mapping of chain settings');
    expect(misplaced.message).not.toContain('SECRET-KEY');
  });

  it('says rpc_urls[1] is bad without echoing it', () => {
    const text = chain().replace('[https://rpc.example]', '[https://a.example, wss://b.example]');
    expect(problems(text)).toEqual([
      'chains.yaml:4: chain "ethereum" (#1): rpc_urls[1]: must be an http:// or https:// URL',
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const text = '- name: ethereum\n  chain_id: 1\n  rpc_urls: [https://x\n  native: {\n';
    const lines = problems(text);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(/^chains\.yaml:\d+:\d+: invalid YAML: \S/);
    expect(problems('- a: 1\n  a: 2\n')).toEqual([
      expect.stringMatching(/^chains\.yaml:2:3: invalid YAML: Map keys must be unique/),
    ]);
  });

  it.each([
    ['', 'chains.yaml: is empty; it must be a list of chains'],
    ['# only a comment\n', 'chains.yaml: is empty; it must be a list of chains'],
    ['[]', 'chains.yaml:1: lists no chains; it needs at least one'],
    [
      'chains:\n  - name: ethereum\n',
      "chains.yaml:1: must be a list of chains, each starting with '- name:' (got a mapping)",
    ],
    [
      'hello',
      `chains.yaml:1: must be a list of chains, each starting with '- name:' (got "hello")`,
    ],
  ])('reports a file that lists no chains (%j) as one problem', (text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
      .concat(
        ['b', 'c', 'd', 'e', 'f', 'g'].map(
          (name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`,
        ),
      )
      .join('\n');
    expect(problems(bomb)).toEqual([
      expect.stringMatching(/^chains\.yaml: cannot be read as YAML/),
    ]);
  });
});

describe('readChainsFile', () => {
  it('reads a file from disk', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ctrip-chains-')), 'chains.yaml');
    writeFileSync(path, FULL);
    expect(readChainsFile(path).map((c) => c.name)).toEqual(['ethereum', 'base-sepolia']);
  });

  it('names the file in its problems', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ctrip-chains-')), 'chains.yaml');
    writeFileSync(path, chain('reorg_window: 1'));
    expect(() => readChainsFile(path)).toThrow(`${path}:6: chain "ethereum" (#1): reorg_window`);
  });

  it.each([
    ['a missing file', (dir: string) => join(dir, 'missing.yaml'), 'no such file'],
    [
      'a directory',
      (dir: string) => {
        mkdirSync(join(dir, 'chains.yaml'));
        return join(dir, 'chains.yaml');
      },
      'it is a directory',
    ],
  ])('reports %s as a CHAINS_FILE problem', (_, makePath, reason) => {
    const path = makePath(mkdtempSync(join(tmpdir(), 'ctrip-chains-')));
    let error: unknown;
    try {
      readChainsFile(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { variable: 'CHAINS_FILE', message: `cannot read ${path}: ${reason}` },
    ]);
  });

  it('parses chains.example.yaml, the file operators copy', () => {
    const chains = readChainsFile(join(import.meta.dirname, '../../chains.example.yaml'));
    expect(chains.map((c) => c.name)).toEqual(['ethereum', 'base']);
  });
});
