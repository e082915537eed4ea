#!/usr/bin/env bash
# The policy levels of a stack, for the offline plan, the live preview and the deploy alike: policy-config/<stack>.json
# (Pulumi's --policy-pack-config format, docs/policy.md) when the file exists, else the pack's defaults. Writes
# config=<file> (or config= when there is none) to GITHUB_OUTPUT, for pulumi/actions' policyPackConfigs input.
#
#   .ci/policy-config.sh <stack>          (in the checkout)
set -euo pipefail
stack="$1"
file="policy-config/${stack}.json"
if [ -f "$file" ]; then
  echo "config=${file}" >>"${GITHUB_OUTPUT:-/dev/stdout}"
  echo "policy levels of ${stack}: ${file}"
else
  echo "config=" >>"${GITHUB_OUTPUT:-/dev/stdout}"
  echo "policy levels of ${stack}: the pack's defaults (no ${file})"
fi
