#!/usr/bin/env node
// The deploy gate: refuses a `pulumi up` that nobody could have reviewed. GitHub creates an environment that a job
// names but that does not exist yet, with no protection: set-up done in the wrong order would deploy unreviewed. So,
// before anything else, the deploy checks through GitHub's REST API (GET /repos/{owner}/{repo}/environments/{env},
// which needs `actions: read`) that:
//   - the run is on main (refs/heads/main);
//   - the stack's environment exists and has a `required_reviewers` protection rule with at least one reviewer,
//     unless the stack file says it needs none: `ci:requiredReviewers: false` in Pulumi.<stack>.yaml (docs/ci.md);
//   - the environment is restricted to some deployment branches (deployment_branch_policy is not null).
// Exit 0 when the deploy may go on, 1 when refused (the reasons in the job summary and as an error annotation).
//
//   env: STACK, GITHUB_REPOSITORY, GITHUB_REF, GITHUB_TOKEN, GITHUB_API_URL (default https://api.github.com)
//   node .ci/deploy-gate.js                 (in the checkout: it reads ./Pulumi.<stack>.yaml)
// No dependencies: the gate runs before `npm ci`, so nothing installed runs before it has decided.
const fs = require("fs");
const path = require("path");

/** The stack file's key that waives required reviewers for its environment. */
const NO_REVIEWERS_KEY = "ci:requiredReviewers";

/**
 * Whether the stack file waives reviewers: the line `ci:requiredReviewers: false` among the keys of the top-level
 * `config:` block (at their indentation: not nested in another value), a YAML boolean (a quoted "false" does not).
 */
function reviewersWaived(stackFileText) {
  const lines = stackFileText.split(/\r?\n/);
  const start = lines.findIndex((line) => /^config:\s*(#.*)?$/.test(line));
  if (start < 0) return false;
  let indent;
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const own = /^( *)/.exec(line)[1].length;
    if (own === 0) break; // the next top-level key: the config block has ended
    indent ??= own;
    if (own === indent && /^ *ci:requiredReviewers: *false *(#.*)?$/.test(line)) return true;
  }
  return false;
}

/**
 * The reasons to refuse, from the run's ref, the environment as GitHub's API returned it (undefined for a 404),
 * and whether the stack file waives reviewers. An empty list: the deploy may go on.
 */
function refusals({ stack, ref, environment, waived }) {
  const reasons = [];
  if (ref !== "refs/heads/main") reasons.push(`this run is on ${ref || "no ref"}: stacks deploy from main only (refs/heads/main)`);
  if (!environment) {
    reasons.push(`the GitHub environment \`${stack}\` does not exist: create it (Settings > Environments > New environment) with required reviewers and deployment branches restricted to main, then run the deploy again`);
    return reasons;
  }
  const rules = Array.isArray(environment.protection_rules) ? environment.protection_rules : [];
  const reviewers = rules.filter((rule) => rule && rule.type === "required_reviewers").flatMap((rule) => (Array.isArray(rule.reviewers) ? rule.reviewers : []));
  if (reviewers.length === 0 && !waived) {
    reasons.push(`the GitHub environment \`${stack}\` has no required reviewers: add them (Settings > Environments > ${stack} > Required reviewers), or say in Pulumi.${stack}.yaml that this stack deploys without review (\`${NO_REVIEWERS_KEY}: false\` under config)`);
  }
  if (!environment.deployment_branch_policy) {
    reasons.push(`the GitHub environment \`${stack}\` lets every branch deploy: restrict it (Settings > Environments > ${stack} > Deployment branches and tags > Selected branches and tags: main)`);
  }
  return reasons;
}

async function fetchEnvironment({ api, repository, stack, token }) {
  const url = `${api.replace(/\/+$/, "")}/repos/${repository}/environments/${encodeURIComponent(stack)}`;
  const response = await fetch(url, { headers: { Accept: "application/vnd.github+json", Authorization: `Bearer ${token}`, "X-GitHub-Api-Version": "2022-11-28" } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}${response.status === 403 ? " (the job needs permissions: actions: read)" : ""}`);
  return response.json();
}

async function main() {
  const { STACK: stack, GITHUB_REPOSITORY: repository, GITHUB_REF: ref, GITHUB_TOKEN: token } = process.env;
  const summary = process.env.GITHUB_STEP_SUMMARY;
  const say = (text) => (summary ? fs.appendFileSync(summary, text) : process.stdout.write(text));
  if (!stack || !repository || !token) {
    process.stderr.write("deploy-gate: STACK, GITHUB_REPOSITORY and GITHUB_TOKEN must be set\n");
    return 2;
  }
  const file = path.resolve(`Pulumi.${stack}.yaml`);
  const waived = reviewersWaived(fs.readFileSync(file, "utf8"));
  const environment = await fetchEnvironment({ api: process.env.GITHUB_API_URL || "https://api.github.com", repository, stack, token });
  const reasons = refusals({ stack, ref, environment, waived });
  if (reasons.length === 0) {
    say(`### Deploy gate: ${stack}\n\nOn main; the environment \`${stack}\` ${waived ? `deploys without reviewers, as Pulumi.${stack}.yaml says (\`${NO_REVIEWERS_KEY}: false\`)` : "requires reviewers"} and restricts its deployment branches.\n\n`);
    return 0;
  }
  say(`### Deploy gate: ${stack} refused\n\n\`pulumi up\` did not run:\n\n${reasons.map((reason) => `- ${reason}`).join("\n")}\n\n(docs/ci.md, "Approval before a deploy")\n\n`);
  for (const reason of reasons) process.stdout.write(`::error title=Deploy of ${stack} refused::${reason}\n`);
  return 1;
}

module.exports = { refusals, reviewersWaived, NO_REVIEWERS_KEY };

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`deploy-gate: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
