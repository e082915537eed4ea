#!/usr/bin/env node
// Whether a stack exists in Pulumi Cloud, asked before pulumi/actions runs: without `upsert` the action only selects a
// stack, and fails on a missing one with a bare "no stack named ... found". CI does not create stacks: creating one
// fixes its secrets provider, a choice for a person, once. So for a missing stack this says which one, and the
// command that creates it, in the job summary (and as a notice).
//
//   env: PULUMI_ACCESS_TOKEN, PULUMI_API (default https://api.pulumi.com), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
//   node .ci/stack-exists.js <org> <stack>        -> exists=true|false in GITHUB_OUTPUT; exit 0, or 1 on an API error
//
// The project is Pulumi.yaml's `name`. GET {api}/api/stacks/{org}/{project}/{stack} answers 200 or 404.
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const ROOT = path.resolve(__dirname, "..");

/** What the job summary says about a stack that does not exist yet. */
function missingStackText(org, project, stack) {
  return [
    `### Stack ${org}/${project}/${stack} does not exist yet`,
    "",
    `\`Pulumi.${stack}.yaml\` is in the repository, but its stack has not been created in Pulumi Cloud, so there is nothing to preview or deploy yet. Create it once, from a clone, logged in to ${org} (\`pulumi login\`):`,
    "",
    "```sh",
    `pulumi stack init ${org}/${project}/${stack} --no-select`,
    "```",
    "",
    "then run this workflow again. The offline plan above shows what its first `pulumi up` declares. (docs/ci.md, \"Stacks not created yet\")",
    "",
    "",
  ].join("\n");
}

async function main() {
  const [org, stack] = process.argv.slice(2);
  if (!org || !stack) {
    process.stderr.write("usage: node .ci/stack-exists.js <org> <stack>\n");
    return 2;
  }
  const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).name;
  const api = (process.env.PULUMI_API || "https://api.pulumi.com").replace(/\/+$/, "");
  if (!/^https:\/\//.test(api) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(api)) {
    process.stderr.write(`PULUMI_API ${api}: the token goes only to an https API\n`);
    return 2;
  }
  const url = `${api}/api/stacks/${[org, project, stack].map(encodeURIComponent).join("/")}`;
  const response = await fetch(url, { headers: { Authorization: `token ${process.env.PULUMI_ACCESS_TOKEN || ""}`, Accept: "application/vnd.pulumi+8" } });
  const output = process.env.GITHUB_OUTPUT;
  const write = (file, text) => (file ? fs.appendFileSync(file, text) : process.stdout.write(text));
  if (response.ok) {
    write(output, "exists=true\n");
    return 0;
  }
  if (response.status === 404) {
    write(output, "exists=false\n");
    write(process.env.GITHUB_STEP_SUMMARY, missingStackText(org, project, stack));
    process.stdout.write(`::notice title=Stack ${org}/${project}/${stack} does not exist yet::create it with: pulumi stack init ${org}/${project}/${stack} --no-select\n`);
    return 0;
  }
  process.stderr.write(`GET ${url} answered ${response.status}${response.status === 401 ? ": the access token is missing or not valid" : ""}\n`);
  return 1;
}

module.exports = { missingStackText };

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`stack-exists: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
