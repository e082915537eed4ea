/**
 * A private key written inside a git work tree where git does not ignore it is one `git add -A` away from the
 * repository's history. `npm run ca` asks git before it writes a key, and refuses with what to do instead:
 * - a file git tracks (`git ls-files`), such as one force-added (`git add -f`) into an ignored folder: an ignore
 *   rule does not apply to a tracked file, so the new key would go into the next commit;
 * - a file git does not ignore (`git check-ignore`).
 * The repository ignores the guide's default folder (`pki/`, in .gitignore).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The nearest folder of `target` that exists (the output folder may not yet). */
function existingAncestor(target: string): string {
  let dir = path.dirname(target);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** The top of the git work tree holding `target`, or undefined (not in one, or no git). */
export function workTreeOf(target: string): string | undefined {
  const r = spawnSync("git", ["-C", existingAncestor(target), "rev-parse", "--show-toplevel"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Throws when a key would land in a git work tree unignored; the message names the file and the fixes. */
export function assertKeysIgnored(keyFiles: readonly string[]): void {
  for (const file of keyFiles) {
    const top = workTreeOf(file);
    if (!top) continue;
    const relative = path.relative(top, path.resolve(file));
    // Tracked (in the index): check-ignore --no-index would call it ignored by its folder's rule, but git keeps
    // tracking it, and the key written over it would be committed. `:(literal)`: the name is not a pattern.
    const tracked = spawnSync("git", ["-C", top, "ls-files", "--error-unmatch", "--", `:(literal)${relative}`], { encoding: "utf8" });
    if (tracked.status !== 1) {
      throw new Error(
        tracked.status === 0
          ? `${file} is tracked by git in ${top} (added with \`git add -f\`, or committed): an ignore rule does not apply to a tracked file, so a key written there goes into the next commit. ` +
              `Untrack it first (\`git rm --cached ${relative}\`; if a key was committed, treat it as leaked and make a new one), or write elsewhere (--out ~/dps-pki). Nothing was written.`
          : `${file} is inside the git work tree ${top}, and git could not tell whether it tracks it (${tracked.stderr.trim() || `exit ${tracked.status}`}): a key is not written on a guess. Nothing was written.`,
      );
    }
    const r = spawnSync("git", ["-C", top, "check-ignore", "-q", "--no-index", relative], { encoding: "utf8" });
    // 0: ignored; 1: not ignored; anything else: git could not tell, and a key is not written on a guess.
    if (r.status === 0) continue;
    throw new Error(
      `${file} is inside the git work tree ${top}, and git does not ignore it: a private key there is one \`git add\` away from the repository. ` +
        `Write it outside the work tree (--out ~/dps-pki), into pki/ (ignored by this repository), or add the folder to .gitignore first. Nothing was written.`,
    );
  }
}
