/**
 * Resolves with the first SIGINT or SIGTERM. Listen before announcing that the process runs:
 * a Ctrl+C right after the message must stop it cleanly, not kill it.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
