/** The pull-request workflow's job summary stays well-formed when the plan fails: .ci/summary-block.sh. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, ".ci/summary-block.sh");

function block(command: string) {
  const summary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-summary-")), "summary.md");
  fs.writeFileSync(summary, "before\n");
  const r = spawnSync("bash", [SCRIPT, "A title", "sh", "-c", command], { env: { ...process.env, GITHUB_STEP_SUMMARY: summary }, encoding: "utf8" });
  const text = fs.readFileSync(summary, "utf8");
  fs.rmSync(path.dirname(summary), { recursive: true, force: true });
  return { code: r.status, text };
}

/** The fenced block's opening fence, its body and whether a closing fence of the same length follows. */
function fenced(text: string) {
  const lines = text.split("\n");
  const open = lines.findIndex((line) => /^`{3,}text$/.test(line));
  const fence = lines[open].replace(/text$/, "");
  const close = lines.findIndex((line, i) => i > open && line === fence);
  return { fence, body: lines.slice(open + 1, close), closed: close > open };
}

test("a failing command: the block is closed, says it failed, and the exit code is kept", () => {
  const { code, text } = block("echo 'config: 2 problem(s)'; printf 'last line without newline'; exit 7");
  expect(code).toBe(7);
  expect(text.startsWith("before\n### A title\n")).toBe(true);
  expect(text).toContain("**Failed (exit code 7).**");
  const { body, closed } = fenced(text);
  expect(closed).toBe(true);
  expect(body).toEqual(["config: 2 problem(s)", "last line without newline"]);
});

test("output holding a fence of its own cannot close the block early", () => {
  const { code, text } = block("printf 'a\\n````\\nb\\n'");
  expect(code).toBe(0);
  const { fence, body, closed } = fenced(text);
  expect(fence.length).toBeGreaterThan(4);
  expect(closed).toBe(true);
  expect(body).toEqual(["a", "````", "b"]);
  expect(text).not.toContain("Failed");
});

test("the workflow puts the diff and the full plan through it, and fails the step with the plan's code", () => {
  const workflow = parse(fs.readFileSync(path.join(ROOT, ".github/workflows/pull-request.yml"), "utf8"));
  const steps: Array<{ run?: string }> = workflow.jobs.preview.steps;
  const plan = steps.find((step) => step.run?.includes("summary-block.sh"))!;
  expect(plan.run).toMatch(/summary-block\.sh [^\n]*\\\n\s*npm run --silent plan -- --stack "\$STACK" "\$\{extra\[@\]\}" --against "\$BASE" \|\| status=\$\?/);
  expect(plan.run).toMatch(/summary-block\.sh [^\n]*\\\n\s*npm run --silent plan -- --stack "\$STACK" "\$\{extra\[@\]\}" \|\| status=\$\?/);
  expect(plan.run).toMatch(/exit "\$status"\s*$/);
  expect(steps.some((step) => step.run?.includes("git fetch") && step.run.includes("github.event.pull_request.base.sha"))).toBe(true);
});
