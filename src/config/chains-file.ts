/**
 * The chains file (`CHAINS_FILE`): the EVM chains cTrip watches, how it reaches them, when a
 * transfer counts as confirmed, and the coin and tokens it accepts on each.
 *
 * ```yaml
 * # A list of chains. Keys are snake_case; an unknown key is an error, not ignored.
 * - name: ethereum            # required: a-z, 0-9 and '-', starts with a letter, at most 32, unique
 *   chain_id: 1               # required: a positive whole number, unique
 *   rpc_urls:                 # required: one or more http:// or https:// URLs
 *     - https://eth-mainnet.g.alchemy.com/v2/your-api-key
 *     - https://ethereum-rpc.publicnode.com
 *   confirmations: 12         # required: a block depth from 1 to 10000, or safe / finalized
 *   reorg_window: 64          # default 64: recent blocks kept to see a reorg (1 to 10000);
 *                             #   at least the confirmation depth
 *   poll_interval: 12s        # default 5s: like 500ms, 2s or 1m (10ms to 60m), or milliseconds
 *   max_block_range: 500      # default 500: blocks per eth_getLogs request (1 to 100000)
 *   start_block: 19000000     # default latest: where scanning begins when no progress is saved
 *   native:                   # required: the chain's own coin
 *     symbol: ETH             # required
 *     decimals: 18            # default 18
 *     underpayment_tolerance: '0.0001'  # default 0: a shortfall up to this still counts as paid
 *     min_sweep: '0.01'       # default 0: balances below this wait before being swept
 *   tokens:                   # default none
 *     - symbol: USDC          # required: 1 to 16 of A-Z a-z 0-9 . $ _ -, unique per chain
 *       address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'  # required; EIP-55 if mixed case
 *       decimals: 6           # required: 0 to 36
 *       underpayment_tolerance: '0.01'   # default 0, in USDC
 *       min_sweep: '5'        # default 0, in USDC
 * - name: base-sepolia
 *   chain_id: 84532
 *   rpc_urls: [https://sepolia.base.org]
 *   confirmations: finalized
 *   native: { symbol: ETH }
 * ```
 *
 * Amounts are decimals in the coin's or token's units, read exactly from the text of the file
 * (never through a float), so `0.1` and `'0.1'` mean the same. A chain confirmed by `safe` or
 * `finalized` should have a `reorg_window` that covers the distance to that block (about 64 to 96
 * blocks on Ethereum). Problems are reported all at once, one line each, naming the line of the
 * file, the chain and the field; an RPC URL is never repeated in a message, as it may carry an
 * API key.
 */
import { readFileSync } from 'node:fs';
import { isAddress } from 'viem';
import { type Document, isNode, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { AmountError, parseTokenAmount } from '../amounts.ts';
import { messageOf } from '../errors.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';

export type ConfirmationRule =
  | { readonly kind: 'depth'; readonly blocks: number }
  | { readonly kind: 'tag'; readonly tag: 'safe' | 'finalized' };

export interface TokenConfig {
  readonly symbol: string;
  /** Lower case. */
  readonly address: `0x${string}`;
  readonly decimals: number;
  /** In base units: a payment short by at most this much still counts as paid. */
  readonly underpaymentTolerance: bigint;
  /** In base units: a deposit address holding less than this is not swept yet. */
  readonly minSweep: bigint;
}

export interface NativeCoinConfig {
  readonly symbol: string;
  readonly decimals: number;
  readonly underpaymentTolerance: bigint;
  readonly minSweep: bigint;
}

export interface ChainConfig {
  readonly name: string;
  readonly chainId: number;
  readonly rpcUrls: readonly string[];
  readonly confirmations: ConfirmationRule;
  /** How many recent block headers are kept to detect a reorg; at least the confirmation depth. */
  readonly reorgWindow: number;
  readonly pollIntervalMs: number;
  /** Blocks per eth_getLogs request, and per scan step. */
  readonly maxBlockRange: number;
  /** Where a chain with no saved progress begins. */
  readonly startBlock: bigint | 'latest';
  readonly native: NativeCoinConfig;
  readonly tokens: readonly TokenConfig[];
}

const VARIABLE = 'CHAINS_FILE';
const DEFAULT_REORG_WINDOW = 64;
const DEFAULT_POLL_INTERVAL_MS = 5_000;
const DEFAULT_MAX_BLOCK_RANGE = 500;
const DEFAULT_NATIVE_DECIMALS = 18;
const MAX_DEPTH = 10_000;
const MIN_POLL_INTERVAL_MS = 10;
const MAX_POLL_INTERVAL_MS = 3_600_000;
const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const DURATION = /^([0-9]+)(ms|s|m)?$/;
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000 };

function wholeNumber(
  min: number,
  max: number,
  error = `must be a whole number from ${min} to ${max}`,
) {
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const textError = { error: 'must be text' };
const symbolSchema = z.string(textError).regex(/^[A-Za-z0-9.$_-]{1,16}$/, {
  error: 'must be 1 to 16 of A-Z a-z 0-9 . $ _ -',
});
const decimalsSchema = wholeNumber(0, 36);
// A number reaches this only as a plain safe integer: toPlainData gives any other number its text.
const amountSchema = z
  .union([z.string(), z.number()], { error: "must be a decimal amount such as '0.5'" })
  .optional();
const addressSchema = z
  .string(textError)
  .superRefine((address, ctx) => {
    const problem = addressProblem(address);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: address });
  })
  .transform((address) => address.toLowerCase() as `0x${string}`);

const nativeShape = {
  symbol: symbolSchema,
  decimals: decimalsSchema.default(DEFAULT_NATIVE_DECIMALS),
  underpayment_tolerance: amountSchema,
  min_sweep: amountSchema,
};
const tokenShape = {
  symbol: symbolSchema,
  address: addressSchema,
  decimals: decimalsSchema,
  underpayment_tolerance: amountSchema,
  min_sweep: amountSchema,
};
const nativeSchema = z
  .object(nativeShape, { error: 'must be a mapping such as { symbol: ETH, decimals: 18 }' })
  .strict()
  .transform(
    (coin, ctx): NativeCoinConfig =>
      Object.freeze({ symbol: coin.symbol, decimals: coin.decimals, ...readAmounts(coin, ctx) }),
  );
const tokenSchema = z
  .object(tokenShape, { error: 'must be a mapping with symbol, address and decimals' })
  .strict()
  .transform(
    (token, ctx): TokenConfig =>
      Object.freeze({
        symbol: token.symbol,
        address: token.address,
        decimals: token.decimals,
        ...readAmounts(token, ctx),
      }),
  );

const urlError = { error: 'must be an http:// or https:// URL' };
const confirmationsError = 'must be a block depth from 1 to 10000, or safe or finalized';
const pollIntervalError = 'must be a duration from 10ms to 60m such as 500ms, 2s or 1m';
const startBlockError = 'must be a block number or latest';
const chainShape = {
  name: z.string(textError).regex(NAME, {
    error: 'must be 1 to 32 of a-z 0-9 -, starting with a letter',
  }),
  chain_id: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'must be a positive whole number'),
  rpc_urls: z
    .array(z.string(urlError).refine(isHttpUrl, urlError), {
      error: 'must be a list of http:// or https:// URLs',
    })
    .min(1, { error: 'must list at least one URL' }),
  confirmations: z
    .union(
      [
        wholeNumber(1, MAX_DEPTH, confirmationsError),
        z.enum(['safe', 'finalized'], { error: confirmationsError }),
      ],
      { error: confirmationsError },
    )
    .transform(
      (rule): ConfirmationRule =>
        typeof rule === 'number' ? { kind: 'depth', blocks: rule } : { kind: 'tag', tag: rule },
    ),
  reorg_window: wholeNumber(1, MAX_DEPTH).default(DEFAULT_REORG_WINDOW),
  poll_interval: z
    .union([z.string(), z.number()], { error: pollIntervalError })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms !== undefined) return ms;
      ctx.issues.push({ code: 'custom', message: pollIntervalError, input: value });
      return z.NEVER;
    })
    .default(DEFAULT_POLL_INTERVAL_MS),
  max_block_range: wholeNumber(1, 100_000).default(DEFAULT_MAX_BLOCK_RANGE),
  start_block: z
    .union(
      [
        z.literal('latest', { error: startBlockError }),
        z.number({ error: startBlockError }).int({ error: startBlockError }),
        z.string({ error: startBlockError }).regex(/^[0-9]+$/, { error: startBlockError }),
      ],
      { error: startBlockError },
    )
    .transform((block) => (block === 'latest' ? block : BigInt(block)))
    .default('latest'),
  native: nativeSchema,
  tokens: z.array(tokenSchema, { error: 'must be a list of tokens' }).default([]),
};
const chainObject = z
  .object(chainShape, { error: 'must be a mapping of chain settings (name, chain_id, ...)' })
  .strict();
const chainSchema = chainObject.transform(toChainConfig);

interface Problem {
  readonly line: number;
  readonly message: string;
}

/**
 * Reads the chains file's text (`source` names it in messages). Throws one `ConfigError` with
 * a line per problem, each naming the line, the chain and the field; never echoes an RPC URL.
 */
export function parseChainsFile(text: string, source: string): readonly ChainConfig[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw configError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return `${source}:${line}:${col}: invalid YAML: ${error.message.split('\n')[0]}`;
      }),
    );
  }
  let raw: unknown;
  try {
    raw = toPlainData(doc);
  } catch (error) {
    throw configError([`${source}: cannot be read as YAML: ${messageOf(error)}`]);
  }
  if (raw === null || raw === undefined) {
    throw configError([`${source}: is empty; it must be a list of chains`]);
  }
  if (!Array.isArray(raw)) {
    throw configError([
      `${source}:1: must be a list of chains, each starting with '- name:' (got ${describeInput(raw)})`,
    ]);
  }
  if (raw.length === 0) throw configError([`${source}:1: lists no chains; it needs at least one`]);

  const problems: Problem[] = [];
  const report = (index: number, path: readonly PropertyKey[], message: string): void => {
    const line = lineOf(doc, lines, [index, ...path]);
    const field = path.length > 0 ? `${formatPath(path)}: ` : '';
    const label = chainLabel(raw[index], index);
    problems.push({ line, message: `${source}:${line}: ${label}: ${field}${message}` });
  };
  const chains: ChainConfig[] = [];
  raw.forEach((item, index) => {
    const result = chainSchema.safeParse(item, { reportInput: true });
    if (result.success) chains.push(result.data);
    else for (const issue of result.error.issues) describeIssue(issue, report.bind(null, index));
  });
  findDuplicateChains(raw, report);
  if (problems.length > 0) {
    throw configError(problems.sort((a, b) => a.line - b.line).map((p) => p.message));
  }
  return Object.freeze(chains);
}

/** Reads and parses the chains file at `path`; an unreadable file is a `ConfigError` too. */
export function readChainsFile(path: string): readonly ChainConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError([`cannot read ${path}: ${fileProblem(error)}`]);
  }
  return parseChainsFile(text, path);
}

function toChainConfig(chain: z.output<typeof chainObject>, ctx: z.RefinementCtx): ChainConfig {
  const problem = (path: PropertyKey[], input: unknown, message: string) =>
    ctx.issues.push({ code: 'custom', path, input, message });
  const { confirmations, native, tokens } = chain;
  if (confirmations.kind === 'depth' && chain.reorg_window < confirmations.blocks) {
    problem(
      ['reorg_window'],
      chain.reorg_window,
      `must be at least the confirmation depth (${confirmations.blocks}), or a reorg deeper than the window could not be seen`,
    );
  }
  // Symbols name a token in the API, so two that differ only in case would be ambiguous.
  const symbols = new Map<string, number>([[native.symbol.toLowerCase(), -1]]);
  const addresses = new Map<string, number>();
  tokens.forEach((token, index) => {
    const other = symbols.get(token.symbol.toLowerCase());
    if (other === undefined) symbols.set(token.symbol.toLowerCase(), index);
    else {
      const owner = other < 0 ? 'the native coin' : `tokens[${other}]`;
      problem(['tokens', index, 'symbol'], token.symbol, `is already the symbol of ${owner}`);
    }
    const same = addresses.get(token.address);
    if (same === undefined) addresses.set(token.address, index);
    else
      problem(['tokens', index, 'address'], token.address, `is already listed as tokens[${same}]`);
  });
  return Object.freeze({
    name: chain.name,
    chainId: chain.chain_id,
    rpcUrls: Object.freeze([...chain.rpc_urls]),
    confirmations: Object.freeze(confirmations),
    reorgWindow: chain.reorg_window,
    pollIntervalMs: chain.poll_interval,
    maxBlockRange: chain.max_block_range,
    startBlock: chain.start_block,
    native,
    tokens: Object.freeze([...tokens]),
  });
}

type AmountField = 'underpayment_tolerance' | 'min_sweep';

function readAmounts(
  raw: { readonly decimals: number } & { readonly [F in AmountField]?: string | number },
  ctx: z.RefinementCtx,
): { underpaymentTolerance: bigint; minSweep: bigint } {
  const read = (field: AmountField): bigint => {
    const value = raw[field];
    if (value === undefined) return 0n;
    try {
      return parseTokenAmount(String(value), raw.decimals, { allowZero: true });
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: value, path: [field] });
      return 0n;
    }
  };
  return { underpaymentTolerance: read('underpayment_tolerance'), minSweep: read('min_sweep') };
}

function findDuplicateChains(
  raw: readonly unknown[],
  report: (index: number, path: PropertyKey[], message: string) => void,
): void {
  const names = new Map<string, number>();
  const ids = new Map<number, number>();
  raw.forEach((item, index) => {
    if (!isRecord(item)) return;
    const { name, chain_id: id } = item;
    if (typeof name === 'string' && NAME.test(name)) {
      const first = names.get(name);
      if (first === undefined) names.set(name, index);
      else report(index, ['name'], `is already the name of chain #${first + 1}`);
    }
    if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) {
      const first = ids.get(id);
      if (first === undefined) ids.set(id, index);
      else report(index, ['chain_id'], `${id} is already used by ${chainLabel(raw[first], first)}`);
    }
  });
}

/**
 * YAML reads 0.1 as a float, an integer past 2^53 inexactly and an unquoted 0xA0b8… address as
 * a number: such scalars get their text back, so amounts, block numbers and addresses stay exact.
 */
function toPlainData(doc: Document): unknown {
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'number') return;
      const plain = /^[0-9]+$/.test(node.source ?? '') && Number.isSafeInteger(node.value);
      if (!plain) node.value = node.source ?? String(node.value);
    },
  });
  return doc.toJS({ maxAliasCount: 100 });
}

function describeIssue(
  issue: z.core.$ZodIssue,
  report: (path: readonly PropertyKey[], message: string) => void,
): void {
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      report([...issue.path, key], `is not a known key${suggestKey(key, issue.path)}`);
    }
  } else if (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
    issue.input === undefined
  ) {
    report(issue.path, 'is required');
  } else {
    // An RPC URL may carry an API key: say what is wrong with it, never what it is.
    const hidden = issue.input === undefined || issue.path.includes('rpc_urls');
    report(
      issue.path,
      hidden ? issue.message : `${issue.message} (got ${describeInput(issue.input)})`,
    );
  }
}

function suggestKey(key: string, path: readonly PropertyKey[]): string {
  const shape = path.length === 0 ? chainShape : path[0] === 'native' ? nativeShape : tokenShape;
  const normalize = (k: string) => k.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of Object.keys(shape)) {
    const distance = editDistance(normalize(known), normalize(key));
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  return best === undefined ? '' : `; did you mean ${best}?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const replace = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, replace);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number {
  for (let depth = path.length; depth > 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

function parseDuration(value: string | number): number | undefined {
  const match = DURATION.exec(String(value).trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (DURATION_UNIT_MS[match[2] ?? 'ms'] ?? 1);
  return ms >= MIN_POLL_INTERVAL_MS && ms <= MAX_POLL_INTERVAL_MS ? ms : undefined;
}

function addressProblem(address: string): string | undefined {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return 'must be a 0x-prefixed 20-byte hex address';
  if (/^0x0{40}$/.test(address)) return 'is the zero address, which is no token';
  const hex = address.slice(2);
  // EIP-55: a single case carries no checksum; mixed case must match it exactly.
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return undefined;
  return isAddress(address, { strict: true })
    ? undefined
    : 'has a wrong EIP-55 checksum (a typo?); check it, or write it all in lower case';
}

function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\/./i.test(value)) return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function chainLabel(item: unknown, index: number): string {
  const name = isRecord(item) ? item.name : undefined;
  return typeof name === 'string' && NAME.test(name)
    ? `chain "${name}" (#${index + 1})`
    : `chain #${index + 1}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function describeInput(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value !== 'string') return String(value);
  // Wherever a URL turns up, it may carry an API key.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return 'a URL';
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return messageOf(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configError(messages: readonly string[]): ConfigError {
  return new ConfigError(messages.map((message): ConfigIssue => ({ variable: VARIABLE, message })));
}
