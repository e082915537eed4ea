/**
 * The offline plan as a reviewer runs it, timed as a whole process: the command is package.json's `plan` script
 * (so the bench measures exactly what `npm run plan` runs, flags included), spawned with node directly to leave
 * npm's own start-up out. Beside it, the floor: a process that only loads the Pulumi SDK and the azure-native
 * modules the program imports, with nothing of ours. The two are run in turns, best of N each, so that a busy
 * machine slows both alike.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** `node <flags> -r ./cli/tsRegister.js cli/plan.ts` from package.json, as argv after the node executable. */
export function planCommand(): string[] {
  const script: string = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts.plan;
  const words = script.trim().split(/\s+/);
  if (words[0] !== "node") throw new Error(`package.json's plan script does not start with node: ${script}`);
  return words.slice(1);
}

/** The azure-native modules the program imports (components/ and index.ts), e.g. `@pulumi/azure-native/iothub`. */
export function azureNativeModulesUsed(): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(".ts")) for (const m of fs.readFileSync(full, "utf8").matchAll(/["'](@pulumi\/azure-native\/[a-z]+)["']/g)) found.add(m[1]);
    }
  };
  visit(path.join(PROJECT_ROOT, "components"));
  return [...found].sort();
}

export interface PlanRun {
  ms: number;
  resourcesDeclared: number;
}

/** Wall time of one whole plan process, in ms. */
export function timePlan(args: string[]): PlanRun {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...planCommand(), ...args, "--json"], { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`plan ${args.join(" ")} failed: ${result.stderr}`);
  return { ms: Math.round(ms), resourcesDeclared: JSON.parse(result.stdout).resources.length };
}

/** Wall time of a process that loads these modules (the SDK and the azure-native modules the program uses), in ms. */
export function timeSdkLoad(modules: readonly string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["-e", modules.map((m) => `require(${JSON.stringify(m)});`).join("")], { cwd: PROJECT_ROOT, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`loading the SDK failed: ${result.stderr}`);
  return Math.round(ms);
}

/** The plan and the SDK floor in turns, best of `runs` each; the ratio is the goal (at most 2.5). */
export function planAgainstSdkFloor(args: string[], runs: number, progress: (message: string) => void) {
  const sdkModules = ["@pulumi/pulumi", ...azureNativeModulesUsed()];
  timePlan(args); // warms the transpile and compile caches, as any second run of `npm run plan` finds them
  let plan: PlanRun | undefined;
  let floorMs = Infinity;
  for (let i = 0; i < runs; i++) {
    progress(`plan vs SDK load: run ${i + 1} of ${runs}`);
    floorMs = Math.min(floorMs, timeSdkLoad(sdkModules));
    const run = timePlan(args);
    if (!plan || run.ms < plan.ms) plan = run;
  }
  const ratio = Math.round((plan!.ms / floorMs) * 100) / 100;
  return { plan: plan!, sdkLoadMs: floorMs, sdkModules, ratio, goal: "ratio ≤ 2.5", met: ratio <= 2.5 };
}
