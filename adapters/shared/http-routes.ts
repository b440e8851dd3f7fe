/**
 * Routes one platform serves on the bot's one HTTP port (PORT), whichever server listens there: the
 * Slack adapter's Bolt receiver takes them as custom routes beside `/slack/events`; without it, a
 * platform serves its own with `serveRoutes`. So Slack's events and Discord's interactions share the
 * port, and one public address, behind any reverse proxy or load balancer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { BotError, errorSummary } from "../../src/errors.js";

/** One route: a method and an exact path, and the handler that reads the raw request itself. */
export interface HttpRoute {
  method: "GET" | "POST";
  path: string;
  handler(request: IncomingMessage, response: ServerResponse): void;
}

/** A listening server of routes. */
export interface RoutesServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Serves `routes` on a node:http server of their own (404 elsewhere, 405 for another method).
 * Rejects with a clear error when the port cannot be listened on.
 */
export async function serveRoutes(
  routes: readonly HttpRoute[],
  listen: { port: number; host?: string },
): Promise<RoutesServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const onPath = routes.filter((route) => route.path === path);
    const route = onPath.find((candidate) => candidate.method === request.method);
    if (route) {
      route.handler(request, response);
      return;
    }
    request.resume();
    const status = onPath.length > 0 ? 405 : 404;
    response
      .writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        ...(status === 405 ? { allow: onPath.map((candidate) => candidate.method).join(", ") } : {}),
      })
      .end(status === 405 ? "method not allowed" : "not found");
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listen.port, listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    throw new BotError("config_invalid", `could not listen on port ${listen.port}: ${errorSummary(error)}`, {
      userMessage: `The HTTP server for ${routes.map((route) => route.path).join(", ")} could not listen on port ${listen.port}: ${errorSummary(error)}. Set PORT to a free port.`,
      cause: error,
    });
  }
  return {
    address: server.address() as AddressInfo,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold the server open past close().
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
