/**
 * A tiny node:http server for fakes: listens on 127.0.0.1 on a free port (or where `listen` says) and
 * closes without waiting for clients that keep connections open (or requests a fake left hanging on
 * purpose).
 *
 * ```ts
 * const server = await startHttpServer(async (request, response) => {
 *   const body = await readBody(request);
 *   sendJson(response, 200, { size: body.length });
 * });
 * await fetch(`${server.url}/anything`);
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** Where to listen: 127.0.0.1 and a free port unless a test needs another loopback address or port. */
export interface ListenOptions {
  readonly host?: string;
  readonly port?: number;
}

export interface StartedHttpServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `host:port` (`[::1]:port` for IPv6), as a URL or an allow-list entry writes it. */
  readonly hostPort: string;
  readonly server: Server;
  /** Stops listening and destroys open connections, so hanging requests do not keep a test alive. */
  close(): Promise<void>;
}

export async function startHttpServer(
  handler: RequestHandler,
  listen: ListenOptions = {},
): Promise<StartedHttpServer> {
  const host = listen.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    Promise.resolve()
      .then(() => handler(request, response))
      .catch((error: unknown) => {
        // A bug in a fake must show up as a failed request, not as an unhandled rejection.
        if (!response.headersSent) sendJson(response, 500, { error: `fake server error: ${String(error)}` });
        else response.destroy();
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPort}`,
    host,
    port,
    hostPort,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** The whole request body; rejects when it exceeds `limitBytes`. */
export async function readBody(request: IncomingMessage, limitBytes = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  });
  response.end(body);
}

export function sendBytes(
  response: ServerResponse,
  status: number,
  bytes: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": String(bytes.byteLength),
    ...headers,
  });
  response.end(bytes);
}

/** Resolves after `ms`, or at once when the client goes away (so a slow fake never outlives its test). */
export function delay(ms: number, response?: ServerResponse): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      response?.off("close", done);
      resolve();
    }
    response?.once("close", done);
  });
}
