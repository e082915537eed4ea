/**
 * Words in the docs that must match the code (#25.10): each check reads the page and asks the program, so a page
 * that drifts from it fails here.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runDevice } from "../cli/device";
import { formatProblems, parseStackConfig } from "../components/config";
import { DEFAULT_RENEW_BEFORE_DAYS } from "../components/expiry/expiring";

const ROOT = path.resolve(__dirname, "..");
const pages = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (page: string) => fs.readFileSync(path.join(ROOT, page), "utf8");

test("the expiry window the docs give is the code's (doctor and plan: renewBeforeDays, else DEFAULT_RENEW_BEFORE_DAYS)", () => {
  const windows = pages.flatMap((page) => [...read(page).matchAll(/(expir\w*[^.\n]*?within (?:its `renewBeforeDays`, or within )?\**(\d+) days)/gi)].map((m) => ({ page, text: m[1], days: Number(m[2]) })));
  expect(windows.filter((w) => w.page === "docs/operations.md").length).toBeGreaterThan(0);
  expect(windows.filter((w) => w.days !== DEFAULT_RENEW_BEFORE_DAYS)).toEqual([]);
  // The doctor's own list says it.
  expect(read("docs/operations.md")).toMatch(new RegExp(`every certificate in the DPS: not expired, not expiring within its CA's \`renewBeforeDays\`, or within ${DEFAULT_RENEW_BEFORE_DAYS} days`));
});

test("every `npm run device -- <command>` in the docs names a command the device CLI has", async () => {
  const commands = pages.flatMap((page) => [...read(page).matchAll(/npm run device -- (\S+)/g)].map((m) => ({ page, command: m[1].replace(/[`,.;)]+$/, "") })));
  expect(commands.length).toBeGreaterThan(3);
  const unknown: string[] = [];
  for (const { page, command } of commands) {
    let stderr = "";
    await runDevice([command, "--no-such-option"], { stdout: () => {}, stderr: (t) => (stderr += t), stackOutputs: async () => "{}" });
    if (/unknown command/.test(stderr)) unknown.push(`${page}: ${command}`);
  }
  expect(unknown).toEqual([]);
});

describe("the first-deploy names work for any user name", () => {
  /** The page's lines that make the names, run in bash with a stand-in `pulumi` that prints what it is given. */
  const namesFrom = (page: string, user: string) => {
    const lines = read(page)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /^me=/.test(line) || /^pulumi config set --path 'dps-x509:(dps\.name|hubs\[0\]\.name)'/.test(line));
    expect(lines).toHaveLength(3);
    const script = `pulumi() { printf '%s\\n' "$5"; }\n${lines.join("\n")}\n`;
    const r = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, USER: user, LC_ALL: "C.UTF-8" } });
    expect(r.stderr).toBe("");
    const [dps, hub] = r.stdout.trim().split("\n");
    return { dps, hub };
  };

  test.each(["README.md", "docs/operations.md"])("%s", (page) => {
    for (const user of ["jo.smith", "a_b", "Émile", "_", "x".repeat(80), "ci-runner"]) {
      const { dps, hub } = namesFrom(page, user);
      const parsed = parseStackConfig({
        values: { resourceGroupName: "rg", dps: { name: dps }, hubs: [{ name: hub }], ca: { root: { name: "root", commonName: "Root" } } },
        location: "westeurope",
      });
      expect({ user, problems: parsed.ok ? "" : formatProblems(parsed.problems) }).toEqual({ user, problems: "" });
    }
    expect(namesFrom(page, "jo.smith")).toEqual({ dps: "dps-x509-josmith", hub: "hub-x509-josmith" });
  });
});
