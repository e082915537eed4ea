/**
 * A local server for the part of Pulumi Cloud's Deployments REST API that onboarding uses (test infrastructure):
 *
 *   GET  /api/stacks/{org}/{project}/{stack}/deployments/settings → 200 the stack's settings, or 404 when it has none
 *   POST /api/stacks/{org}/{project}/{stack}/deployments        → 202 {"id","consoleUrl","version"}
 *   GET  /api/stacks/{org}/{project}/{stack}/deployments/{id}   → 200 {"id","status",…}
 *
 * A deployment's source is the stack's settings (unless `inheritSettings: false`) with the request's `sourceContext`
 * merged in as Pulumi Cloud merges settings: an object property merges key by key, `null` removes the property, any
 * other value replaces it. `git.commit` and `git.branch` are mutually exclusive, and one is required (400 otherwise).
 *
 * Every request needs `Authorization: token <token>` (401 otherwise, as Pulumi Cloud answers). A deployment goes
 * not-started → running → succeeded (or failed) over successive GETs; `run` is called once when it runs, and
 * decides its end (throw to fail it). Unknown stacks and deployments: 404. Requests are recorded.
 */
import * as http from "http";
import { randomUUID } from "crypto";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body?: unknown;
}

export interface DeploymentsServerOptions {
  readonly token: string;
  /** Full stack names (`org/project/stack`) the server knows. */
  readonly stacks: string[];
  /**
   * Deployment settings by full stack name; a stack not listed has complete ones (a git source on branch main and an
   * Azure OIDC login), a stack listed as null has none.
   */
  readonly settings?: Record<string, Record<string, unknown> | null>;
  /** Runs the deployment's operation on its source (`git.commit` or `git.branch`); a throw makes it fail. */
  run(stack: string, operation: string, source: { commit?: string; branch?: string }): void | Promise<void>;
}

/** What a stack's settings hold when a test says nothing else. */
export const COMPLETE_SETTINGS = {
  sourceContext: { git: { repoUrl: "https://github.com/my-org/dps-x509.git", branch: "main" } },
  operationContext: { oidc: { azure: { clientId: "00000000-0000-0000-0000-0000000c11e0", tenantId: "00000000-0000-0000-0000-00000000beef" } } },
};

/** Pulumi Cloud's merge of a request into settings: objects key by key, null removes, anything else replaces. */
function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = base && typeof base === "object" && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out;
}

interface Deployment {
  readonly id: string;
  readonly stack: string;
  readonly operation: string;
  readonly version: number;
  readonly created: string;
  status: "not-started" | "running" | "succeeded" | "failed";
  polls: number;
  readonly source: { commit?: string; branch?: string };
}

export interface DeploymentsServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const OPERATIONS = new Set(["update", "preview", "refresh", "destroy", "detect-drift", "remediate-drift"]);

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startDeploymentsServer(options: DeploymentsServerOptions): Promise<DeploymentsServer> {
  const requests: RecordedRequest[] = [];
  const deployments = new Map<string, Deployment>();
  const versions = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", async () => {
      const path = (req.url ?? "").split("?")[0];
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return send(res, 400, { code: 400, message: "Bad Request: invalid JSON" });
      }
      requests.push({ method: req.method ?? "", path, authorization: req.headers.authorization, body });
      if (req.headers.authorization !== `token ${options.token}`) return send(res, 401, { code: 401, message: "Unauthorized: No credentials provided or are invalid." });
      const match = /^\/api\/stacks\/([^/]+)\/([^/]+)\/([^/]+)\/deployments(?:\/([^/]+))?$/.exec(path);
      if (!match) return send(res, 404, { code: 404, message: "Not Found" });
      const stack = match.slice(1, 4).map(decodeURIComponent).join("/");
      if (!options.stacks.includes(stack)) return send(res, 404, { code: 404, message: `Not Found: Stack '${stack}' not found` });
      const settings = options.settings && stack in options.settings ? options.settings[stack] : COMPLETE_SETTINGS;
      if (req.method === "GET" && match[4] === "settings") {
        return settings ? send(res, 200, settings) : send(res, 404, { code: 404, message: "Not Found: deployment settings not found" });
      }
      const base = `https://app.pulumi.com/${match.slice(1, 4).join("/")}/deployments`;
      if (req.method === "POST" && !match[4]) {
        const operation = (body as { operation?: unknown } | undefined)?.operation;
        if (typeof operation !== "string" || !OPERATIONS.has(operation)) return send(res, 400, { code: 400, message: `Bad Request: invalid operation ${JSON.stringify(operation)}` });
        const inherit = (body as { inheritSettings?: unknown }).inheritSettings !== false;
        const sourceContext = merge(inherit ? settings?.sourceContext : undefined, (body as { sourceContext?: unknown }).sourceContext) as { git?: { commit?: string; branch?: string } } | undefined;
        const git = sourceContext?.git ?? {};
        if (git.commit && git.branch) return send(res, 400, { code: 400, message: "Bad Request: commit and branch are mutually exclusive" });
        if (!git.commit && !git.branch) return send(res, 400, { code: 400, message: "Bad Request: at least commit or branch are required" });
        const version = (versions.get(stack) ?? 0) + 1;
        versions.set(stack, version);
        const deployment: Deployment = { id: randomUUID(), stack, operation, version, created: new Date().toISOString(), status: "not-started", polls: 0, source: git.commit ? { commit: git.commit } : { branch: git.branch } };
        deployments.set(deployment.id, deployment);
        return send(res, 202, { id: deployment.id, consoleUrl: `${base}/${version}`, version });
      }
      if (req.method === "GET" && match[4]) {
        const deployment = deployments.get(decodeURIComponent(match[4]));
        if (!deployment || deployment.stack !== stack) return send(res, 404, { code: 404, message: "Not Found: deployment not found" });
        deployment.polls += 1;
        if (deployment.status === "not-started" && deployment.polls >= 1) deployment.status = "running";
        else if (deployment.status === "running") {
          try {
            await options.run(stack, deployment.operation, deployment.source);
            deployment.status = "succeeded";
          } catch {
            deployment.status = "failed";
          }
        }
        const { polls: _polls, source: _source, ...shown } = deployment;
        return send(res, 200, { ...shown, modified: new Date().toISOString(), pulumiOperation: deployment.operation, paused: false, jobs: [], updates: [] });
      }
      return send(res, 405, { code: 405, message: "Method Not Allowed" });
    });
  });
  // Loopback only, on a free port.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
