#!/usr/bin/env node
// Prints the stacks of this project as a JSON list, one per Pulumi.<stack>.yaml at the root: the CI matrix, derived
// from the files so that a new stack is previewed and deployed without anyone editing a list.
//   node .ci/stacks.js            -> ["dev","keyvault",...]
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const stacks = fs
  .readdirSync(root)
  .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1])
  .filter(Boolean)
  .sort();
process.stdout.write(`${JSON.stringify(stacks)}\n`);
