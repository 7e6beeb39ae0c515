import { ECDH } from 'node:crypto';
import { inspect } from 'node:util';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import { bytesToHex, keccak256 } from 'viem';
import { WalletError } from './errors.ts';

/** Where deposit addresses come from: a mnemonic (can sign, for the sweeper) or an xpub (cannot). */
export type DepositKeySource =
  | { readonly kind: 'mnemonic'; readonly mnemonic: string; readonly passphrase?: string }
  | { readonly kind: 'xpub'; readonly xpub: string };

export interface DepositAddressDeriver {
  /** 'mnemonic' can sign (sweeper), 'xpub' holds no private key. */
  readonly kind: 'mnemonic' | 'xpub';
  /**
   * The account-level extended public key (m/44'/60'/0'), safe to print. A deriver built from
   * a depth-4 xpub (m/44'/60'/0'/0) returns that key: its parent cannot be recovered from it.
   */
  readonly accountXpub: string;
  /** The deposit address at m/44'/60'/0'/0/index, lower-case 0x hex. */
  addressAt(index: number): `0x${string}`;
  /** The private key of that address (0x hex); throws WalletError WALLET_NO_PRIVATE_KEY for an xpub deriver. */
  privateKeyAt(index: number): `0x${string}`;
}

/** A well-known mnemonic for development and tests only: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'. */
export const DEVELOPMENT_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** The mnemonic Hardhat and Anvil fund by default: anyone can sweep what is sent to it. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

const ACCOUNT_PATH = "m/44'/60'/0'";
const HARDENED_OFFSET = 0x8000_0000;
const MAX_INDEX = HARDENED_OFFSET - 1;
const WORD_COUNTS: readonly number[] = [12, 15, 18, 21, 24];
const ENGLISH_WORDS: ReadonlySet<string> = new Set(wordlist);
const PRIVATE_KEY_PROBLEM =
  "is an extended private key and must not be given as XPUB; give the extended public key (xpub…) your wallet exports for m/44'/60'/0'";

/**
 * Builds a deriver for the deposit addresses m/44'/60'/0'/0/i. The chain node m/44'/60'/0'/0
 * is derived once here, so each address costs one non-hardened child derivation. Throws
 * WalletError WALLET_INVALID_KEY_SOURCE for a mnemonic or xpub that is not usable; the
 * message says why without echoing the value.
 */
export function createDepositAddressDeriver(source: DepositKeySource): DepositAddressDeriver {
  return source.kind === 'mnemonic'
    ? fromMnemonic(source.mnemonic, source.passphrase ?? '')
    : fromXpub(source.xpub);
}

/** Validation used by config: returns undefined when fine, else a one-line problem (never echoing the value). */
export function checkMnemonic(value: string): string | undefined {
  const normalized = normalizeMnemonic(value);
  const words = normalized === '' ? [] : normalized.split(' ');
  if (words.length === 0) return 'is empty';
  if (!WORD_COUNTS.includes(words.length)) {
    return `has ${words.length} word${words.length === 1 ? '' : 's'}; a BIP-39 mnemonic has 12, 15, 18, 21 or 24`;
  }
  const unknown = words.flatMap((word, i) => (ENGLISH_WORDS.has(word) ? [] : [i + 1]));
  if (unknown.length > 0) {
    const which = unknown.length === 1 ? 'word' : 'words';
    return `has ${unknown.length} ${which} not in the BIP-39 English word list (${which} ${unknown.join(', ')})`;
  }
  if (!validateMnemonic(normalized, wordlist)) {
    return 'fails the BIP-39 checksum: a word is mistyped, missing or out of order';
  }
  return undefined;
}

/** Validation used by config: returns undefined when fine, else a one-line problem (never echoing the value). */
export function checkXpub(value: string): string | undefined {
  const parsed = parseXpub(value);
  return parsed.problem;
}

/**
 * Whether the mnemonic is one published for development (DEVELOPMENT_MNEMONIC, or the one
 * Hardhat and Anvil fund): money sent to its addresses can be taken by anyone, so production
 * must refuse it.
 */
export function isWellKnownMnemonic(value: string): boolean {
  const normalized = normalizeMnemonic(value);
  return normalized === DEVELOPMENT_MNEMONIC || normalized === ANVIL_MNEMONIC;
}

function fromMnemonic(mnemonic: string, passphrase: string): DepositAddressDeriver {
  const problem = checkMnemonic(mnemonic);
  if (problem !== undefined) {
    throw new WalletError('WALLET_INVALID_KEY_SOURCE', `the mnemonic ${problem}`);
  }
  const seed = mnemonicToSeedSync(normalizeMnemonic(mnemonic), passphrase);
  const master = HDKey.fromMasterSeed(seed);
  const account = master.derive(ACCOUNT_PATH);
  const chain = account.deriveChild(0);
  const accountXpub = account.publicExtendedKey;
  // Only the chain node is kept: wiping the rest narrows what a heap dump would show.
  seed.fill(0);
  master.wipePrivateData();
  account.wipePrivateData();
  return buildDeriver('mnemonic', accountXpub, chain);
}

function fromXpub(xpub: string): DepositAddressDeriver {
  const parsed = parseXpub(xpub);
  if (parsed.problem !== undefined) {
    throw new WalletError('WALLET_INVALID_KEY_SOURCE', `the xpub ${parsed.problem}`);
  }
  const { node } = parsed;
  const chain = node.depth === 3 ? node.deriveChild(0) : node;
  return buildDeriver('xpub', node.publicExtendedKey, chain);
}

function buildDeriver(
  kind: 'mnemonic' | 'xpub',
  accountXpub: string,
  chain: HDKey,
): DepositAddressDeriver {
  // The chain node lives only in these closures, never on the object, so JSON.stringify,
  // util.inspect and spreading cannot reach its private key.
  const describe = () => `DepositAddressDeriver { kind: '${kind}', accountXpub: '${accountXpub}' }`;
  return Object.freeze({
    kind,
    accountXpub,
    addressAt(index: number): `0x${string}` {
      checkIndex(index);
      // For a mnemonic the chain node holds its private key, and private child derivation
      // measured 1.5–1.9× faster than public: HDKey's public path decompresses two points and
      // adds them, where the private one does a single base-point multiplication.
      return addressOf(chain.deriveChild(index));
    },
    privateKeyAt(index: number): `0x${string}` {
      if (kind === 'xpub') {
        throw new WalletError(
          'WALLET_NO_PRIVATE_KEY',
          'this deriver was built from an xpub and holds no private key; the sweeper needs the mnemonic',
        );
      }
      checkIndex(index);
      const privateKey = chain.deriveChild(index).privateKey;
      if (privateKey === null) throw new Error('a private parent derived a child without a key');
      return bytesToHex(privateKey);
    },
    toJSON: () => ({ kind, accountXpub }),
    toString: describe,
    [inspect.custom]: describe,
  });
}

function addressOf(node: HDKey): `0x${string}` {
  const publicKey = node.publicKey;
  if (publicKey === null) throw new Error('a derived key has no public key');
  // HDKey keeps the compressed point while an address hashes X‖Y; OpenSSL decompresses it
  // natively, cheaper than a square root in JavaScript.
  const uncompressed = ECDH.convertKey(
    publicKey,
    'secp256k1',
    undefined,
    undefined,
    'uncompressed',
  ) as Buffer;
  return `0x${keccak256(uncompressed.subarray(1), 'hex').slice(26)}`;
}

function checkIndex(index: number): void {
  if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index <= MAX_INDEX) {
    return;
  }
  const got = typeof index === 'number' ? String(index) : `a ${typeof index}`;
  throw new WalletError(
    'WALLET_INVALID_INDEX',
    `a deposit address index must be an integer from 0 to ${MAX_INDEX}; got ${got}`,
    { details: { index: got } },
  );
}

function normalizeMnemonic(value: string): string {
  return value.trim().split(/\s+/).join(' ').toLowerCase();
}

type ParsedXpub =
  | { readonly node: HDKey; readonly problem?: undefined }
  | { readonly problem: string };

function parseXpub(value: string): ParsedXpub {
  const text = value.trim();
  if (text === '') return { problem: 'is empty' };
  if (/^[a-z]prv/i.test(text)) return { problem: PRIVATE_KEY_PROBLEM };
  if (!text.startsWith('xpub')) {
    return {
      problem:
        "is not an xpub: it must start with 'xpub' (tpub, ypub, zpub and other encodings are not accepted)",
    };
  }
  let node: HDKey;
  try {
    node = HDKey.fromExtendedKey(text);
  } catch {
    return {
      problem: 'is not a valid xpub: its checksum, length or key is wrong (was it copied whole?)',
    };
  }
  if (node.privateKey !== null) {
    node.wipePrivateData();
    return { problem: PRIVATE_KEY_PROBLEM };
  }
  return checkXpubPosition(node) ?? { node };
}

// Only the depth and the node's own index are in an xpub; checking them catches the keys most
// often exported by mistake (another account, the change chain, a single address).
function checkXpubPosition(node: HDKey): { readonly problem: string } | undefined {
  const expected =
    "give the account key m/44'/60'/0' (depth 3, what wallets export) or its receiving chain m/44'/60'/0'/0 (depth 4)";
  if (node.depth === 3 && node.index !== HARDENED_OFFSET) {
    return { problem: `is the key of account ${formatIndex(node.index)}, not 0'; ${expected}` };
  }
  if (node.depth === 4 && node.index !== 0) {
    return {
      problem: `is the key of chain ${formatIndex(node.index)}, not the receiving chain 0; ${expected}`,
    };
  }
  if (node.depth !== 3 && node.depth !== 4) {
    return { problem: `is at depth ${node.depth}; ${expected}` };
  }
  return undefined;
}

function formatIndex(index: number): string {
  return index >= HARDENED_OFFSET ? `${index - HARDENED_OFFSET}'` : String(index);
}
