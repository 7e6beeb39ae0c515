/** What a `ctrip` command's exit status means; scripts and deploy pipelines rely on it. */
export const ExitCode = {
  ok: 0,
  /** The command ran and the answer is "no" or it failed (migration failed, check found problems). */
  failure: 1,
  /** The command could not start: invalid settings or arguments. */
  usage: 2,
} as const;
