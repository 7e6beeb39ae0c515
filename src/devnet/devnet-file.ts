import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Address } from 'viem';
import { z } from 'zod';
import { fetchChainId } from './anvil-process.ts';
import { DevnetNotRunningError } from './errors.ts';

/** Written beside the database while a gateway runs the devnet; removed when it stops. */
export const DEVNET_FILE = 'devnet.json';
/** Anvil's own state file: the chain, loaded on start and written on stop. */
export const DEVNET_STATE_FILE = 'devnet-state.json';

/** How another process (`ctrip devnet pay`) finds the running devnet. */
export interface DevnetInfo {
  readonly url: string;
  readonly chainId: number;
  /** Lower-case contract addresses by symbol. */
  readonly tokens: Readonly<Record<string, Address>>;
  /** Anvil's process, so one left behind by a gateway that died can be stopped. */
  readonly pid: number;
  /** The gateway process that runs it. */
  readonly ownerPid: number;
}

const devnetInfoSchema = z.object({
  url: z.string(),
  chainId: z.number().int(),
  tokens: z.record(z.string(), z.string().regex(/^0x[0-9a-f]{40}$/)),
  pid: z.number().int(),
  ownerPid: z.number().int(),
});

/** Writes `devnet.json` in `dataDir` whole (through a rename), so a reader never sees half. */
export function writeDevnetInfo(dataDir: string, info: DevnetInfo): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DEVNET_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The `devnet.json` in `dataDir`, or null when there is none (or it is not one of ours). */
export function readDevnetInfo(dataDir: string): DevnetInfo | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, DEVNET_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = devnetInfoSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as DevnetInfo) : null;
  } catch {
    return null;
  }
}

export function removeDevnetInfo(dataDir: string): void {
  rmSync(join(dataDir, DEVNET_FILE), { force: true });
}

/**
 * The devnet a gateway runs for `dataDir`, checked to answer with its chain id. Throws
 * `DevnetNotRunningError` when there is none, or its file outlived it.
 */
export async function findRunningDevnet(dataDir: string): Promise<DevnetInfo> {
  const info = readDevnetInfo(dataDir);
  if (!info || (await fetchChainId(info.url)) !== info.chainId) {
    throw new DevnetNotRunningError(dataDir);
  }
  return info;
}
