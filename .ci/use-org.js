#!/usr/bin/env node
// Points the stack references of the stack files at an organisation: a tenant's `dps-x509:platform` and a
// platform's `dps-x509:tenants[].stack` are `<org>/<project>/<stack>`, and the files in the repository say `my-org`.
// CI runs this with the PULUMI_ORG variable before a live preview or deploy, so the references follow the Pulumi
// Cloud organisation the stacks live in. (Run by hand against a self-managed backend, whose references say
// `organization`, give that literal word; the workflows themselves run on Pulumi Cloud only, docs/ci.md.)
//   node .ci/use-org.js <org> [Pulumi.<stack>.yaml ...]     (default: every stack file)
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const [org, ...files] = process.argv.slice(2);
if (!org || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(org)) {
  process.stderr.write("usage: node .ci/use-org.js <org> [Pulumi.<stack>.yaml ...]: give the Pulumi organisation (vars.PULUMI_ORG)\n");
  process.exit(2);
}
const root = path.resolve(__dirname, "..");
const targets = files.length ? files : fs.readdirSync(root).filter((file) => /^Pulumi\.[^.]+\.yaml$/.test(file)).map((file) => path.join(root, file));
const withOrg = (reference) => (typeof reference === "string" && reference.split("/").length === 3 ? [org, ...reference.split("/").slice(1)].join("/") : reference);

for (const file of targets) {
  const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
  const config = doc.get("config");
  if (!config || typeof config.get !== "function") continue;
  let changed = false;
  const platform = config.get("dps-x509:platform");
  if (typeof platform === "string" && withOrg(platform) !== platform) {
    config.set("dps-x509:platform", withOrg(platform));
    changed = true;
  }
  const tenants = config.get("dps-x509:tenants");
  for (const tenant of tenants?.items ?? []) {
    const stack = tenant.get?.("stack");
    if (typeof stack === "string" && withOrg(stack) !== stack) {
      tenant.set("stack", withOrg(stack));
      changed = true;
    }
  }
  if (changed) {
    fs.writeFileSync(file, doc.toString({ flowCollectionPadding: false }));
    process.stdout.write(`${path.basename(file)}: stack references now in ${org}\n`);
  }
}
