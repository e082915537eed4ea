/**
 * Runs the updates as Pulumi Deployments, for fleets that outgrow one machine: each `up` is a deployment of the
 * stack in Pulumi Cloud, created with the Deployments REST API and polled until it ends:
 *
 *   POST {api}/api/stacks/{org}/{project}/{stack}/deployments      {"operation":"update","inheritSettings":true}
 *     → {"id", "consoleUrl", "version"}
 *   GET  {api}/api/stacks/{org}/{project}/{stack}/deployments/{id} → {"status": not-started | accepted | running |
 *     succeeded | failed | skipped, …}
 *
 * with `Authorization: token <PULUMI_ACCESS_TOKEN>`. The stack's deployment settings (source repository, the
 * Azure OIDC login, environment) are set once per stack in Pulumi Cloud (docs/tenants.md says how); the request
 * inherits them. Outputs and previews are read here, through `reads` (the Automation API): they change nothing.
 */
import type { PreviewResult, StackRunner } from "./runner";
import type { Outputs } from "./steps";

export interface DeploymentsRunnerOptions {
  /** Pulumi Cloud's API (default https://api.pulumi.com). */
  readonly apiUrl?: string;
  readonly accessToken: string;
  /** Reads outputs and previews (the Automation API runner). */
  readonly reads: Pick<StackRunner, "outputs" | "preview">;
  readonly pollIntervalMs?: number;
  /** Give up waiting for one deployment after this long (default one hour). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const FINISHED_OK = new Set(["succeeded"]);
const FINISHED_BAD = new Set(["failed", "skipped"]);
const RETRIED = new Set([429, 500, 502, 503, 504]);

function stackPath(stack: string): string {
  const parts = stack.split("/");
  if (parts.length !== 3 || parts.some((part) => !part)) throw new Error(`Pulumi Deployments need the stack's full name <org>/<project>/<stack>, not "${stack}"`);
  return parts.map(encodeURIComponent).join("/");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function deploymentsRunner(options: DeploymentsRunnerOptions): StackRunner {
  const api = (options.apiUrl ?? "https://api.pulumi.com").replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const pollMs = options.pollIntervalMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 60 * 60 * 1000;

  async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      const response = await doFetch(`${api}${path}`, {
        method,
        headers: { Authorization: `token ${options.accessToken}`, Accept: "application/vnd.pulumi+8", "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.ok) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (RETRIED.has(response.status) && attempt < 4) {
        const retryAfter = Number(response.headers.get("retry-after"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : 1000 * attempt);
        continue;
      }
      const reason = response.status === 401 ? "the access token is missing or not valid (PULUMI_ACCESS_TOKEN)" : text.slice(0, 300);
      throw new Error(`Pulumi Deployments: ${method} ${path} answered ${response.status}: ${reason}`);
    }
  }

  return {
    outputs: (stack: string): Promise<Outputs> => options.reads.outputs(stack),
    preview: (stack: string): Promise<PreviewResult> => options.reads.preview(stack),
    async up(stack: string, progress: (line: string) => void): Promise<void> {
      const base = `/api/stacks/${stackPath(stack)}/deployments`;
      const created = await call("POST", base, { operation: "update", inheritSettings: true });
      const id = String(created.id ?? "");
      if (!id) throw new Error(`Pulumi Deployments: POST ${base} answered no deployment id`);
      progress(`deployment ${id} created${created.consoleUrl ? `: ${created.consoleUrl}` : ""}`);
      const started = Date.now();
      let last = "";
      for (;;) {
        const deployment = await call("GET", `${base}/${encodeURIComponent(id)}`);
        const status = String(deployment.status ?? "");
        if (status !== last) progress(`deployment ${id}: ${status}`);
        last = status;
        if (FINISHED_OK.has(status)) return;
        if (FINISHED_BAD.has(status)) throw new Error(`Pulumi Deployments: deployment ${id} of ${stack} ${status}${created.consoleUrl ? ` (${created.consoleUrl})` : ""}`);
        if (Date.now() - started > timeoutMs) throw new Error(`Pulumi Deployments: deployment ${id} of ${stack} still ${status} after ${Math.round(timeoutMs / 60000)} min`);
        await sleep(pollMs);
      }
    },
  };
}
