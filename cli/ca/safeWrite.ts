/**
 * Writes the files `npm run ca` makes without a moment in which a key is readable by others, without following a
 * symlink planted at the target, and without overwriting anything unless asked to:
 *   1. a temporary file in the target's folder, opened O_CREAT|O_EXCL|O_NOFOLLOW with the final mode (0600 for
 *      keys), written and fsynced;
 *   2. then link(2) to the final name, which fails if anything (a file, a symlink) is there: no overwrite; or, with
 *      `force`, rename(2), which replaces the name itself and never writes through a symlink.
 * The temporary file is removed in every case.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const KEY_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

/** A target that exists and may not be overwritten. */
export class FileExistsError extends Error {}

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = fs.constants;

export function writeFileSafely(target: string, content: string, mode: number, force: boolean): void {
  const dir = path.dirname(target);
  const temporary = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | (O_NOFOLLOW ?? 0), mode);
  try {
    try {
      fs.fchmodSync(fd, mode); // the umask may have taken bits away; never adds any beyond `mode`
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (force) {
      fs.renameSync(temporary, target);
      return;
    }
    try {
      fs.linkSync(temporary, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new FileExistsError(`${target} exists; pass --force to replace it`);
      throw err;
    }
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** Throws for the first target that exists (a symlink counts), unless `force`: checked before any key is made. */
export function assertWritable(targets: readonly string[], force: boolean): void {
  if (force) return;
  for (const target of targets) {
    let exists = true;
    try {
      fs.lstatSync(target);
    } catch {
      exists = false;
    }
    if (exists) throw new FileExistsError(`${target} exists; pass --force to replace it (nothing was written)`);
  }
}
