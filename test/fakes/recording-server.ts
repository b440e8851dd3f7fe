/**
 * Servers for the tests of the guarded fetch and of hostile links: one that records every request that
 * reached it, so a test can prove that none did, and a raw TCP one for answers node:http would not write.
 *
 * ```ts
 * const server = await startRecordingServer((_request, response) => response.end("secret"));
 * await expect(fetchThroughTheGuard(`${server.url}/`)).rejects.toThrow();
 * expect(server.hits).toHaveLength(0);
 * await server.close();
 * ```
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { type ListenOptions, type StartedHttpServer, startHttpServer } from "./http-server.js";

export interface Hit {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** Answers a request; synchronous, so that `(request, response) => response.end("x")` fits. */
export type RecordingHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A local server that records every request that reached it, before its handler answers. */
export interface RecordingServer extends StartedHttpServer {
  readonly hits: Hit[];
}

export async function startRecordingServer(
  handler: RecordingHandler,
  listen: ListenOptions = {},
): Promise<RecordingServer> {
  const hits: Hit[] = [];
  const server = await startHttpServer((request, response) => {
    hits.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers });
    handler(request, response);
  }, listen);
  return Object.assign(server, { hits });
}

/** A raw TCP server for answers node:http would not write (no Content-Length, close-delimited). */
export interface RawServer {
  readonly port: number;
  readonly hostPort: string;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startRawServer(onConnection: (socket: Socket) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server = createTcpServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    // Wait for the request head so the client is writing nothing when the answer arrives.
    socket.once("data", () => onConnection(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no port");
  return {
    port: address.port,
    hostPort: `127.0.0.1:${address.port}`,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Whether this machine can listen on `host`, e.g. 127.0.0.2 (Linux routes all of 127/8 to loopback; macOS does not). */
export async function canListenOn(host: string): Promise<boolean> {
  try {
    const server = await startHttpServer(() => {}, { host });
    await server.close();
    return true;
  } catch {
    return false;
  }
}
