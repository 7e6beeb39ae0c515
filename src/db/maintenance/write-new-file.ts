import { randomBytes } from 'node:crypto';
import { constants, copyFileSync, existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BackupFileExistsError } from './errors.ts';

/**
 * Creates `file` from what `write` puts at a temporary path beside it, and never overwrites
 * anything: an existing file is refused before any work, and again atomically when the
 * result is put in place (another process may have created it meanwhile). Until `write`
 * has finished, nothing exists under the final name, so an interrupted backup never passes
 * for a complete one.
 */
export async function writeNewFile(
  file: string,
  write: (temporaryPath: string) => Promise<void>,
): Promise<void> {
  if (existsSync(file)) throw new BackupFileExistsError(file);
  mkdirSync(dirname(file), { recursive: true });
  const temporaryPath = join(
    dirname(file),
    `.${basename(file)}.partial-${randomBytes(4).toString('hex')}`,
  );
  try {
    await write(temporaryPath);
    placeWithoutOverwriting(temporaryPath, file);
  } finally {
    rmSync(temporaryPath, { force: true });
  }
}

function placeWithoutOverwriting(from: string, to: string): void {
  try {
    // A hard link fails with EEXIST instead of replacing: rename cannot promise that.
    linkSync(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BackupFileExistsError(to);
    // Some file systems (FAT, some network mounts) have no hard links: copy, still exclusive.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    try {
      copyFileSync(from, to, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new BackupFileExistsError(to);
      }
      // COPYFILE_EXCL got past the existence test, so what is there is this copy's remains.
      rmSync(to, { force: true });
      throw copyError;
    }
  }
}
