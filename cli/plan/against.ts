/**
 * `plan --against <git ref>`: the same stack's plan as of another commit, to compare with today's. The ref's whole
 * tree is evaluated (its program and its stack file), not the ref's stack file under today's program: a pull
 * request may change code as well as config, and the reviewer wants what the change does. The tree is extracted with
 * `git archive` into a temporary folder that borrows this checkout's node_modules (a symlink; a change of
 * dependencies between the two is not reflected), and the ref's own `cli/plan.ts --json` runs there.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../cliArgs";
import type { PlanJson } from "./diff";
import { refNotFoundHint } from "./refHint";

export interface RefPlan {
  /** The ref as given and the commit it names. */
  ref: string;
  commit: string;
  /** The stack file's text at the ref; undefined when the file did not exist there (a new stack). */
  stackFileText: string | undefined;
  /** The ref's plan; no resources when the stack file did not exist. */
  plan: PlanJson;
}

function git(cwd: string, args: string[], input?: Buffer) {
  const result = spawnSync("git", args, { cwd, input, maxBuffer: 512 * 1024 * 1024 });
  if (result.error) throw new Error(`git ${args[0]}: ${(result.error as NodeJS.ErrnoException).code === "ENOENT" ? "git is not on PATH" : result.error.message}`);
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr.toString("utf8").trim() };
}

/** The plan of `stackFile` (a path inside this checkout) as of `ref`. */
export function planAtRef(ref: string, stackFile: string, projectRoot: string, options: { platformOutputs?: string } = {}): RefPlan {
  const top = git(projectRoot, ["rev-parse", "--show-toplevel"]);
  if (!top.ok) throw new UsageError(`--against needs a git checkout: ${top.stderr.split("\n")[0]}`);
  const toplevel = fs.realpathSync(top.stdout.toString("utf8").trim());
  const resolved = git(projectRoot, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  // plan.ts prefixes "plan --against <ref>: ", so the message does not repeat the ref's flag.
  if (!resolved.ok) throw new UsageError(refNotFoundHint(ref, cloneFacts(toplevel)));
  const commit = resolved.stdout.toString("utf8").trim();

  const fileRel = path.relative(toplevel, realpathOrSelf(stackFile)).split(path.sep).join("/");
  if (fileRel.startsWith("..")) throw new UsageError(`--against: ${stackFile} is outside the repository, so it has no version at ${ref}`);
  const shown = git(toplevel, ["show", `${commit}:${fileRel}`]);
  if (!shown.ok) return { ref, commit, stackFileText: undefined, plan: { resources: [], outputs: {} } };
  const stackFileText = shown.stdout.toString("utf8");

  const projectRel = path.relative(toplevel, fs.realpathSync(projectRoot));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-plan-against-"));
  try {
    const archive = git(toplevel, ["archive", "--format=tar", commit]);
    if (!archive.ok) throw new Error(`git archive ${ref}: ${archive.stderr}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout, maxBuffer: 64 * 1024 * 1024 });
    if (untar.status !== 0) throw new Error(`extracting ${ref}: ${untar.stderr.toString("utf8").trim()}`);
    const refRoot = path.join(dir, projectRel);
    if (!fs.existsSync(path.join(refRoot, "cli/plan.ts"))) throw new Error(`${ref} has no cli/plan.ts to plan with`);
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(refRoot, "node_modules"), "dir");
    const args = ["-r", refLoader(refRoot), path.join(refRoot, "cli/plan.ts"), "--config", path.join(dir, fileRel), "--json"];
    if (options.platformOutputs) args.push("--platform-outputs", path.resolve(options.platformOutputs));
    const run = spawnSync(process.execPath, args, { cwd: refRoot, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0) {
      const reason = (run.stderr || run.stdout || "").trim().split("\n").slice(0, 20).join("\n");
      throw new Error(`the plan at ${ref} (${commit.slice(0, 12)}) failed:\n${reason}`);
    }
    try {
      return { ref, commit, stackFileText, plan: JSON.parse(run.stdout) as PlanJson };
    } catch {
      throw new Error(`the plan at ${ref} did not print JSON`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What refNotFoundHint needs to know about this clone. */
function cloneFacts(toplevel: string) {
  const remotes = git(toplevel, ["remote"]).stdout.toString("utf8").split("\n").filter(Boolean);
  const shallow = git(toplevel, ["rev-parse", "--is-shallow-repository"]).stdout.toString("utf8").trim() === "true";
  return { remotes, shallow, hasRef: (name: string) => git(toplevel, ["show-ref", "--verify", "--quiet", name]).ok };
}

/** How to load the ref's TypeScript: its own cached loader (cli/tsRegister.js) where it has one, else ts-node. */
function refLoader(refRoot: string): string {
  const loader = path.join(refRoot, "cli/tsRegister.js");
  return fs.existsSync(loader) ? loader : "ts-node/register/transpile-only";
}

function realpathOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
