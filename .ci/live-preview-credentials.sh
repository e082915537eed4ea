#!/usr/bin/env bash
# Decides whether a workflow can run a live `pulumi preview` with the preview identity (docs/ci.md): not on a fork's
# pull request (GitHub gives it no secrets and no OIDC token), and only when every preview setting is set. Writes
# live=true|false to GITHUB_OUTPUT; when false, says in the job summary (and as a notice) that the live preview was
# skipped, and why, and exits 0: a skipped live preview is not a failure, unless ON_MISSING=fail (the deploy's
# preview, which the reviewer reads before approving, must run).
#
# It refuses (exit 1) when the deploy's own settings are visible outside the environments: the workflow passes in
# REPOSITORY_LEVEL_DEPLOY_SETTINGS the names of those it can read at repository level (PULUMI_ACCESS_TOKEN,
# AZURE_CLIENT_ID). A pull request from a branch runs its own code: it must never hold the deploy's rights.
#
#   env: FORK (true|false), PULUMI_PREVIEW_ACCESS_TOKEN, AZURE_PREVIEW_CLIENT_ID, AZURE_TENANT_ID,
#        AZURE_SUBSCRIPTION_ID, PULUMI_ORG, REPOSITORY_LEVEL_DEPLOY_SETTINGS, ON_MISSING (skip|fail)
set -uo pipefail
output="${GITHUB_OUTPUT:-/dev/stdout}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
exposed="$(echo "${REPOSITORY_LEVEL_DEPLOY_SETTINGS:-}" | xargs)"
if [ -n "$exposed" ]; then
  echo "live=false" >>"$output"
  printf '### Deploy settings outside the environments\n\nSet at repository (or organisation) level: %s. They belong to the deploy only: move them to each stack'"'"'s GitHub environment (Settings > Environments > <stack>), and give previews their own PULUMI_PREVIEW_ACCESS_TOKEN and AZURE_PREVIEW_CLIENT_ID (docs/ci.md, "Two identities"). Until then no live preview runs: a pull request from a branch would run its own code with the deploy'"'"'s rights.\n\n' "$exposed" >>"$summary"
  echo "::error title=Deploy settings outside the environments::${exposed}: move them to the stacks' environments (docs/ci.md)"
  exit 1
fi
missing=()
for name in PULUMI_PREVIEW_ACCESS_TOKEN AZURE_PREVIEW_CLIENT_ID AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID PULUMI_ORG; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ "${FORK:-false}" = "true" ]; then
  reason="this pull request comes from a fork, and GitHub gives a fork's workflow no secrets and no OIDC token"
elif [ "${#missing[@]}" -gt 0 ]; then
  reason="not set in this repository: ${missing[*]} (docs/ci.md lists what CI needs)"
else
  echo "live=true" >>"$output"
  exit 0
fi
echo "live=false" >>"$output"
if [ "${ON_MISSING:-skip}" = "fail" ]; then
  printf '### Live preview not possible\n\nThe live `pulumi preview` cannot run: %s. The deploy needs it: a reviewer approves what it shows.\n\n' "$reason" >>"$summary"
  echo "::error title=Live preview not possible::$reason"
  exit 1
fi
printf '### Live preview skipped\n\nThe live `pulumi preview` did not run: %s. The tests and the offline plan above ran in full.\n' "$reason" >>"$summary"
echo "::notice title=Live preview skipped::$reason"
exit 0
