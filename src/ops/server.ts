/**
 * The operator's endpoint of every process (all-in-one, gateway, worker), on METRICS_PORT:
 * `/healthz` (the process is alive), `/readyz` (it can do its job now: its platform connections and
 * its queue are up; 503 with what is not) and `/metrics` (Prometheus text). Load balancers and
 * process managers poll the first two; Prometheus scrapes the third.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { errorSummary } from "../errors.js";
import type { Logger } from "../log.js";

/** A readiness check: its name and whether it passes now. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface OpsServerOptions {
  port: number;
  host?: string;
  checks: Readonly<Record<string, ReadinessCheck>>;
  /** The metrics in Prometheus's text format, and its content type. */
  metrics?: () => Promise<{ text: string; contentType: string }>;
  logger: Logger;
}

export interface OpsServer {
  /** Where it listens (undefined when the port was taken: the bot runs on without it). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

async function readiness(checks: OpsServerOptions["checks"]): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, await check()] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Starts the endpoint; a port already in use is logged and the process runs on without it. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "method not allowed\n");
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") {
      void readiness(options.checks).then((checks) => {
        const ready = Object.values(checks).every(Boolean);
        send(ready ? 200 : 503, `${JSON.stringify({ ready, checks })}\n`, "application/json");
      });
      return;
    }
    if (path === "/metrics" && options.metrics) {
      void options.metrics().then(
        ({ text, contentType }) => send(200, text, contentType),
        (error: unknown) => send(500, `metrics failed: ${errorSummary(error)}\n`),
      );
      return;
    }
    send(404, "not found: /healthz, /readyz, /metrics\n");
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", (error) => {
      options.logger.warn("the health and metrics endpoint could not listen; running without it", {
        port: options.port,
        error: errorSummary(error),
      });
      resolve(false);
    });
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve(true));
  });
  if (!listening) return { url: undefined, close: async () => undefined };
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
