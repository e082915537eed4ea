/**
 * A local server for the part of Pulumi Cloud's Deployments REST API that onboarding uses (test infrastructure):
 *
 *   POST /api/stacks/{org}/{project}/{stack}/deployments        → 202 {"id","consoleUrl","version"}
 *   GET  /api/stacks/{org}/{project}/{stack}/deployments/{id}   → 200 {"id","status",…}
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
  /** Runs the deployment's operation; a throw makes it fail. */
  run(stack: string, operation: string): void | Promise<void>;
}

interface Deployment {
  readonly id: string;
  readonly stack: string;
  readonly operation: string;
  readonly version: number;
  readonly created: string;
  status: "not-started" | "running" | "succeeded" | "failed";
  polls: number;
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
      const base = `https://app.pulumi.com/${match.slice(1, 4).join("/")}/deployments`;
      if (req.method === "POST" && !match[4]) {
        const operation = (body as { operation?: unknown } | undefined)?.operation;
        if (typeof operation !== "string" || !OPERATIONS.has(operation)) return send(res, 400, { code: 400, message: `Bad Request: invalid operation ${JSON.stringify(operation)}` });
        const version = (versions.get(stack) ?? 0) + 1;
        versions.set(stack, version);
        const deployment: Deployment = { id: randomUUID(), stack, operation, version, created: new Date().toISOString(), status: "not-started", polls: 0 };
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
            await options.run(stack, deployment.operation);
            deployment.status = "succeeded";
          } catch {
            deployment.status = "failed";
          }
        }
        const { polls: _polls, ...shown } = deployment;
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
