/** How long one timed section took. */
export interface Timing {
  /** Elapsed time. */
  readonly wallMs: number;
  /**
   * CPU this process spent (all threads, user + system). On PostgreSQL this is the client's
   * share alone, so it shows the layer's cost without the server's noise.
   */
  readonly cpuMs: number;
}

/**
 * Runs `fn` and returns how long it took. No garbage collection is forced first: a forced
 * full collection shrinks V8's young generation, which then taxes whichever side allocates
 * more (measured: the project's point lookups ran 3× slower after one), where a server that
 * runs all day keeps a young generation sized to its load.
 */
export async function measure(fn: () => Promise<unknown>): Promise<Timing> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await fn();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The process's peak resident set size so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
