/**
 * The README is a front page that deploys, and every link in it and in docs/ leads somewhere: a file that exists
 * and, for `#anchors`, a heading in it. Four pages are written on other branches and may be missing here.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
/** Pages other branches write; linked before they land. */
const WRITTEN_ELSEWHERE = new Set(["docs/key-vault.md", "docs/dynamic-providers.md", "docs/plan-checks.md", "docs/day-two.md"]);
const pages = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** GitHub's heading anchor: lower case, punctuation but hyphens and underscores dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchorsIn(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.*)$/gm)].map((m) => anchorOf(m[1])));
}

test("the anchor rule is GitHub's", () => {
  expect(anchorOf("`--against <git ref>`: what the change does")).toBe("--against-git-ref-what-the-change-does");
  expect(anchorOf("The dev stack's smoke test")).toBe("the-dev-stacks-smoke-test");
});

test.each(pages)("every link in %s resolves", (page) => {
  const text = fs.readFileSync(path.join(ROOT, page), "utf8").replace(/^```[\s\S]*?^```/gm, "");
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const [file, anchor] = target.split("#");
    const resolved = file ? path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, page)), file)) : page;
    if (!fs.existsSync(path.join(ROOT, resolved))) {
      if (!WRITTEN_ELSEWHERE.has(resolved)) broken.push(target);
      continue;
    }
    if (anchor && resolved.endsWith(".md") && !anchorsIn(fs.readFileSync(path.join(ROOT, resolved), "utf8")).has(anchor)) broken.push(target);
  }
  expect(broken).toEqual([]);
});

test("the README is a short front page: the two commands, a first deploy, links to every page", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  expect(readme.length).toBeLessThan(8000);
  expect(readme).toContain("```mermaid");
  for (const command of ["npm ci", "npm test", "pulumi stack init dev", "az provider register --namespace Microsoft.Devices", "pulumi up"]) expect(readme).toContain(command);
  expect(readme).not.toContain("pulumi stack select");
  for (const doc of [...WRITTEN_ELSEWHERE, "docs/configuration.md", "docs/tenants.md", "docs/ca-and-proof-of-possession.md", "docs/operations.md", "docs/troubleshooting.md"]) {
    expect(readme).toContain(`](${doc}`);
  }
});

test("the deploy walk-through covers what a new user trips on", () => {
  const ops = fs.readFileSync(path.join(ROOT, "docs/operations.md"), "utf8");
  for (const fact of ["PULUMI_CONFIG_PASSPHRASE", "ARM_CLIENT_ID", "AZURE_CLIENT_ID", "azure-native:subscriptionId", "az account set", "azure-native:environment", "armEndpoint", "Microsoft.Devices"]) {
    expect(ops).toContain(fact);
  }
  expect(fs.readFileSync(path.join(ROOT, "docs/tenants.md"), "utf8")).toContain("organization/dps-x509/platform");
});
