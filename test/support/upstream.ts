import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Upstream {
  server: Server;
  port: number;
  url: string;
  /** Every request the upstream saw, in order, with its raw URL and headers. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Echoes method, raw URL and headers as JSON. */
export const echo: Handler = (req, res) => {
  const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
};

/** Reads a request body to its end, then hands over its size and SHA-256 digest (hex). */
export function digestBody(
  req: IncomingMessage,
  onEnd: (digest: { bytes: number; sha256: string }) => void,
): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  req.on('end', () => onEnd({ bytes, sha256: hash.digest('hex') }));
}

/** A real HTTP server on 127.0.0.1 (port 0 unless given) that the test controls. */
export async function startUpstream(handler: Handler = echo, listenPort = 0): Promise<Upstream> {
  const requests: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
