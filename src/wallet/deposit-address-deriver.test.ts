import { inspect } from 'node:util';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { bytesToHex } from 'viem';
import { mnemonicToAccount, privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  checkMnemonic,
  checkXpub,
  createDepositAddressDeriver,
  DEVELOPMENT_MNEMONIC,
  type DepositAddressDeriver,
  isWellKnownMnemonic,
} from './deposit-address-deriver.ts';
import { WalletError, type WalletErrorCode } from './errors.ts';

const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const ANVIL_ADDRESS_0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const ANVIL_ADDRESS_1 = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const ANVIL_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
// A mnemonic no test elsewhere uses, so finding its words in output can only be a leak.
const SECRET_MNEMONIC =
  'legal winner thank year wave sausage worth useful legal winner thank yellow';
const MAX_INDEX = 2 ** 31 - 1;

const anvil = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: ANVIL_MNEMONIC });

function nodeAt(mnemonic: string, path: string): HDKey {
  return HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive(path);
}

function walletErrorOf(fn: () => unknown): WalletError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WalletError);
    return error as WalletError;
  }
  throw new Error('expected a WalletError, nothing was thrown');
}

function expectWalletError(fn: () => unknown, code: WalletErrorCode): WalletError {
  const error = walletErrorOf(fn);
  expect(error.code).toBe(code);
  return error;
}

describe('createDepositAddressDeriver from a mnemonic', () => {
  it("derives the Hardhat/Anvil accounts at m/44'/60'/0'/0/0 and /1", () => {
    expect(anvil.kind).toBe('mnemonic');
    expect(anvil.addressAt(0)).toBe(ANVIL_ADDRESS_0);
    expect(anvil.addressAt(1)).toBe(ANVIL_ADDRESS_1);
    expect(anvil.privateKeyAt(0)).toBe(ANVIL_KEY_0);
  });

  it('gives the well-known first address of DEVELOPMENT_MNEMONIC', () => {
    const dev = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC });
    expect(dev.addressAt(0)).toBe('0x9858effd232b4033e47d90003d41ec34ecaeda94');
  });

  it("agrees with viem's mnemonicToAccount on addresses and keys, up to the largest index", () => {
    for (const index of [0, 2, 7, 1000, 65_536, MAX_INDEX]) {
      const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
      expect(anvil.addressAt(index)).toBe(account.address.toLowerCase());
      expect(privateKeyToAddress(anvil.privateKeyAt(index)).toLowerCase()).toBe(
        anvil.addressAt(index),
      );
    }
  });

  it("exports the account xpub of m/44'/60'/0'", () => {
    expect(anvil.accountXpub).toBe(nodeAt(ANVIL_MNEMONIC, "m/44'/60'/0'").publicExtendedKey);
  });

  it('normalizes case and whitespace before use', () => {
    const messy = `  ${ANVIL_MNEMONIC.toUpperCase().replaceAll(' ', ' \n\t ')}  `;
    expect(checkMnemonic(messy)).toBeUndefined();
    const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: messy });
    expect(deriver.addressAt(0)).toBe(ANVIL_ADDRESS_0);
  });

  it('derives other addresses under a BIP-39 passphrase, as viem does', () => {
    const withPassphrase = createDepositAddressDeriver({
      kind: 'mnemonic',
      mnemonic: ANVIL_MNEMONIC,
      passphrase: 'correct horse',
    });
    const expected = mnemonicToAccount(ANVIL_MNEMONIC, { passphrase: 'correct horse' });
    expect(withPassphrase.addressAt(0)).toBe(expected.address.toLowerCase());
    expect(withPassphrase.addressAt(0)).not.toBe(ANVIL_ADDRESS_0);
  });

  it('gives 1,000 distinct lower-case addresses for indexes 0..999', () => {
    const addresses = Array.from({ length: 1000 }, (_, i) => anvil.addressAt(i));
    expect(new Set(addresses).size).toBe(1000);
    for (const address of addresses) expect(address).toMatch(/^0x[0-9a-f]{40}$/);
  });

  it('refuses a mnemonic with a bad checksum, without echoing its words', () => {
    const mnemonic = SECRET_MNEMONIC.replace(/yellow$/, 'wave');
    const error = expectWalletError(
      () => createDepositAddressDeriver({ kind: 'mnemonic', mnemonic }),
      'WALLET_INVALID_KEY_SOURCE',
    );
    expect(error.message).toMatch(/checksum/);
    for (const word of ['legal', 'winner', 'sausage', 'wave']) {
      expect(error.message).not.toContain(word);
      expect(JSON.stringify(error.details)).not.toContain(word);
    }
  });
});

describe('createDepositAddressDeriver from an xpub', () => {
  it("derives the mnemonic's addresses from its account xpub and holds no private key", () => {
    const watcher = createDepositAddressDeriver({ kind: 'xpub', xpub: anvil.accountXpub });
    expect(watcher.kind).toBe('xpub');
    expect(watcher.accountXpub).toBe(anvil.accountXpub);
    expect(watcher.addressAt(0)).toBe(ANVIL_ADDRESS_0);
    expect(watcher.addressAt(1)).toBe(ANVIL_ADDRESS_1);
    expect(watcher.addressAt(MAX_INDEX)).toBe(anvil.addressAt(MAX_INDEX));
    for (let i = 0; i < 50; i++) expect(watcher.addressAt(i)).toBe(anvil.addressAt(i));
    expectWalletError(() => watcher.privateKeyAt(0), 'WALLET_NO_PRIVATE_KEY');
  });

  it("uses a depth-4 key (m/44'/60'/0'/0) directly as the receiving chain", () => {
    const chainXpub = nodeAt(ANVIL_MNEMONIC, "m/44'/60'/0'/0").publicExtendedKey;
    expect(checkXpub(chainXpub)).toBeUndefined();
    const watcher = createDepositAddressDeriver({ kind: 'xpub', xpub: chainXpub });
    expect(watcher.addressAt(0)).toBe(ANVIL_ADDRESS_0);
    expect(watcher.addressAt(1)).toBe(ANVIL_ADDRESS_1);
    expectWalletError(() => watcher.privateKeyAt(1), 'WALLET_NO_PRIVATE_KEY');
  });

  it('accepts an xpub with surrounding whitespace', () => {
    const watcher = createDepositAddressDeriver({
      kind: 'xpub',
      xpub: `\n ${anvil.accountXpub} \n`,
    });
    expect(watcher.addressAt(0)).toBe(ANVIL_ADDRESS_0);
  });

  it('refuses an extended private key given as XPUB, saying it is a private key', () => {
    const xprv = nodeAt(SECRET_MNEMONIC, "m/44'/60'/0'").privateExtendedKey;
    expect(checkXpub(xprv)).toMatch(/private key and must not be given as XPUB/);
    const error = expectWalletError(
      () => createDepositAddressDeriver({ kind: 'xpub', xpub: xprv }),
      'WALLET_INVALID_KEY_SOURCE',
    );
    expect(error.message).toMatch(/private key/);
    expect(error.message).not.toContain(xprv.slice(4, 20));
  });

  it('refuses keys at other depths or positions of the path', () => {
    const cases: Array<[string, RegExp]> = [
      [nodeAt(SECRET_MNEMONIC, 'm').publicExtendedKey, /at depth 0/],
      [nodeAt(SECRET_MNEMONIC, "m/44'/60'").publicExtendedKey, /at depth 2/],
      [nodeAt(SECRET_MNEMONIC, "m/44'/60'/0'/0/0").publicExtendedKey, /at depth 5/],
      [nodeAt(SECRET_MNEMONIC, "m/44'/60'/1'").publicExtendedKey, /account 1'/],
      [nodeAt(SECRET_MNEMONIC, "m/44'/60'/0'/1").publicExtendedKey, /chain 1, not the receiving/],
    ];
    for (const [xpub, problem] of cases) {
      expect(checkXpub(xpub)).toMatch(problem);
      expectWalletError(
        () => createDepositAddressDeriver({ kind: 'xpub', xpub }),
        'WALLET_INVALID_KEY_SOURCE',
      );
    }
  });

  it('refuses garbage, a damaged xpub, other encodings and a mnemonic, without echoing them', () => {
    const xpub = anvil.accountXpub;
    const damaged = `${xpub.slice(0, 40)}${xpub[40] === 'a' ? 'b' : 'a'}${xpub.slice(41)}`;
    const testnet = HDKey.fromMasterSeed(mnemonicToSeedSync(SECRET_MNEMONIC), {
      private: 0x04358394,
      public: 0x043587cf,
    }).derive("m/44'/60'/0'").publicExtendedKey;
    expect(testnet.startsWith('tpub')).toBe(true);
    const values = ['', '   ', 'not a key', damaged, xpub.slice(0, -3), testnet, SECRET_MNEMONIC];
    for (const value of values) {
      const problem = checkXpub(value);
      expect(problem, value).toBeDefined();
      const error = expectWalletError(
        () => createDepositAddressDeriver({ kind: 'xpub', xpub: value }),
        'WALLET_INVALID_KEY_SOURCE',
      );
      if (value.trim().length > 0) expect(error.message).not.toContain(value.trim());
      expect(error.message).not.toContain('legal winner');
    }
  });
});

describe('deposit address indexes', () => {
  const watcher = createDepositAddressDeriver({ kind: 'xpub', xpub: anvil.accountXpub });

  it('refuses indexes that are not integers in [0, 2^31), on both kinds and both methods', () => {
    const bad = [-1, 1.5, 2 ** 31, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number];
    for (const index of bad) {
      expectWalletError(() => anvil.addressAt(index), 'WALLET_INVALID_INDEX');
      expectWalletError(() => anvil.privateKeyAt(index), 'WALLET_INVALID_INDEX');
      expectWalletError(() => watcher.addressAt(index), 'WALLET_INVALID_INDEX');
    }
  });
});

describe('checkMnemonic', () => {
  it('accepts valid mnemonics', () => {
    expect(checkMnemonic(DEVELOPMENT_MNEMONIC)).toBeUndefined();
    expect(checkMnemonic(SECRET_MNEMONIC)).toBeUndefined();
  });

  it('names the problem without echoing a word', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /is empty/],
      ['legal winner thank', /has 3 words/],
      [
        SECRET_MNEMONIC.replace('sausage', 'sausagex'),
        /1 word not in the BIP-39 English word list \(word 6\)/,
      ],
      [
        SECRET_MNEMONIC.replace('legal', 'legalx').replace('year', 'yearz'),
        /2 words .* \(words 1, 4\)/,
      ],
      ['abandon '.repeat(12).trim(), /checksum/],
    ];
    for (const [value, expected] of cases) {
      const problem = checkMnemonic(value);
      expect(problem).toMatch(expected);
      for (const word of ['legal', 'winner', 'sausage', 'abandon', 'year']) {
        expect(problem).not.toContain(word);
      }
    }
  });
});

describe('isWellKnownMnemonic', () => {
  it('flags the development and Anvil mnemonics, however they are spaced, and nothing else', () => {
    expect(isWellKnownMnemonic(DEVELOPMENT_MNEMONIC)).toBe(true);
    expect(isWellKnownMnemonic(` ${ANVIL_MNEMONIC.toUpperCase()}\n`)).toBe(true);
    expect(isWellKnownMnemonic(SECRET_MNEMONIC)).toBe(false);
  });
});

describe('a deriver does not leak its secrets', () => {
  const secrets = (deriver: DepositAddressDeriver): string[] => {
    const words = SECRET_MNEMONIC.split(' ');
    const chain = nodeAt(SECRET_MNEMONIC, "m/44'/60'/0'/0");
    return [
      ...words.slice(0, -1).map((word, i) => `${word} ${words[i + 1]}`),
      bytesToHex(mnemonicToSeedSync(SECRET_MNEMONIC)).slice(2),
      bytesToHex(chain.privateKey as Uint8Array).slice(2),
      // util.inspect prints a bigint key in decimal, and HDKey keeps one.
      BigInt(bytesToHex(chain.privateKey as Uint8Array)).toString(),
      chain.privateExtendedKey,
      nodeAt(SECRET_MNEMONIC, "m/44'/60'/0'").privateExtendedKey,
      deriver.privateKeyAt(0).slice(2),
      deriver.privateKeyAt(1).slice(2),
    ];
  };

  it('shows only its kind and account xpub through inspect, JSON and string conversion', () => {
    const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: SECRET_MNEMONIC });
    deriver.addressAt(0);
    const renderings = [
      inspect(deriver),
      inspect(deriver, { showHidden: true, depth: Number.POSITIVE_INFINITY, customInspect: false }),
      inspect({ nested: { deriver } }, { depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(deriver),
      JSON.stringify({ deriver }),
      String(deriver),
      `${deriver}`,
    ];
    for (const text of renderings) {
      expect(text).toContain(deriver.accountXpub);
      for (const secret of secrets(deriver))
        expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    // Nothing but these is reachable from the object; the chain node lives in closures.
    expect(Reflect.ownKeys(deriver).map(String).sort()).toEqual(
      [
        'Symbol(nodejs.util.inspect.custom)',
        'accountXpub',
        'addressAt',
        'kind',
        'privateKeyAt',
        'toJSON',
        'toString',
      ].sort(),
    );
    expect(JSON.parse(JSON.stringify(deriver))).toEqual({
      kind: 'mnemonic',
      accountXpub: deriver.accountXpub,
    });
  });
});
