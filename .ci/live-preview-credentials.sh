#!/usr/bin/env bash
# Decides whether the pull-request workflow can run a live `pulumi preview`: not on a fork's pull request (GitHub
# gives it no secrets and no OIDC token), and only when every variable and secret of docs/ci.md is set. Writes
# live=true|false to GITHUB_OUTPUT; when false, says in the job summary (and as a notice) that the live preview was
# skipped, and why. Always exits 0: a skipped live preview is not a failure.
#
#   env: FORK (true|false), PULUMI_ACCESS_TOKEN, AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, PULUMI_ORG
set -uo pipefail
output="${GITHUB_OUTPUT:-/dev/stdout}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
missing=()
for name in PULUMI_ACCESS_TOKEN AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID PULUMI_ORG; do
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
printf '### Live preview skipped\n\nThe live `pulumi preview` did not run: %s. The tests and the offline plan above ran in full.\n' "$reason" >>"$summary"
echo "::notice title=Live preview skipped::$reason"
exit 0
