import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";

export interface Hit {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local server that records every request that reached it, so a test can prove one never did. */
export interface RecordingServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as an allow-list entry names it. */
  readonly hostPort: string;
  readonly url: string;
  readonly hits: Hit[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export async function startServer(handler: Handler, host = "127.0.0.1", port = 0): Promise<RecordingServer> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      hits.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no port");
  const hostPort = host.includes(":") ? `[${host}]:${address.port}` : `${host}:${address.port}`;
  return {
    host,
    port: address.port,
    hostPort,
    url: `http://${hostPort}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        // Dripping responses never end on their own; cut them so close() returns.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
  const server: TcpServer = createTcpServer((socket) => {
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

/** Whether this machine can listen on 127.0.0.2 (Linux routes all of 127/8 to loopback; macOS does not). */
export async function canListenOn(host: string): Promise<boolean> {
  try {
    const server = await startServer(() => {}, host);
    await server.close();
    return true;
  } catch {
    return false;
  }
}
