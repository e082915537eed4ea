/**
 * The plan defers two of the SDK's heavy modules (TypeScript and @npmcli/arborist) until something uses them.
 * The plan process must not load them, and code that does use them must still get the real module.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { deferredModule } from "../cli/plan/deferUnusedSdkModules";

const ROOT = path.resolve(__dirname, "..");

test("a deferred module loads on first use, once, and reads as the real module through TypeScript's import helpers", () => {
  let loads = 0;
  const real = { parse: (text: string) => text.length, VERSION: "1.2.3" };
  const stand = deferredModule(() => {
    loads++;
    return real;
  }) as typeof real & { default: typeof real; __esModule: boolean };
  expect(loads).toBe(0);
  // What __importStar / __importDefault ask first: answered without loading.
  expect(stand.__esModule).toBe(true);
  expect(loads).toBe(0);
  expect(stand.parse("abc")).toBe(3);
  expect(stand.default).toBe(real);
  expect("VERSION" in stand).toBe(true);
  expect(loads).toBe(1);
});

const probe = (extra: string) => `
process.argv = [process.argv[0], "plan", "--stack", "dev", "--json"];
const { runPlan } = require(${JSON.stringify(path.join(ROOT, "cli/plan.ts"))});
runPlan(process.argv.slice(2), { stdout: () => {}, stderr: (t) => process.stderr.write(t) }).then((code) => {
  ${extra}
  const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](typescript[\\\\/]lib[\\\\/]typescript\\.js|@npmcli[\\\\/]arborist[\\\\/])/.test(f));
  console.log(JSON.stringify({ code, loaded }));
});`;

// The loader itself loads TypeScript on a cache miss: warm the cache first, as any second `npm run plan` finds it.
beforeAll(() => {
  spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--stack", "dev"], { cwd: ROOT });
});

function runProbe(extra: string) {
  const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), "-e", probe(extra)], { cwd: ROOT, encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { code: number; loaded: string[] };
}

test("the plan of the dev stack loads neither TypeScript nor arborist", () => {
  expect(runProbe("")).toEqual({ code: 0, loaded: [] });
});

test("the SDK still gets the real TypeScript when it uses it (its closure parser)", () => {
  const used = runProbe(`const ts = require("@pulumi/pulumi/typescript-shim"); if (typeof ts.createSourceFile !== "function") throw new Error("no TypeScript");`);
  expect(used.code).toBe(0);
  expect(used.loaded.some((f) => /typescript\.js$/.test(f))).toBe(true);
});
