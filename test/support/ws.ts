import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ClientOptions, WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import { type Reply, toReply } from './http-client.js';

export interface WsUpstream {
  port: number;
  /** Server-side sockets, in the order clients connected. */
  sockets: WebSocket[];
  /** Every upgrade request the upstream saw, with its raw URL and headers. */
  requests: IncomingMessage[];
  /** The next socket to connect after this call. */
  nextSocket(): Promise<WebSocket>;
  close(): Promise<void>;
}

export interface WsUpstreamOptions extends Omit<ServerOptions, 'server' | 'port' | 'noServer'> {
  /** What to do with each socket; default: echo every message as it came (text or binary). */
  onSocket?: (socket: WebSocket, req: IncomingMessage) => void;
  /** Answer the HTTP upgrade request instead of accepting it (e.g. a 403). */
  refuse?: { status: number; body: string; headers?: Record<string, string> };
}

export const echoSocket = (socket: WebSocket) =>
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));

/** A real `ws` server on 127.0.0.1:0 that the test controls. */
export async function startWsUpstream(options: WsUpstreamOptions = {}): Promise<WsUpstream> {
  const { onSocket = echoSocket, refuse, ...serverOptions } = options;
  const http: Server = createServer();
  const wss = new WebSocketServer({ ...serverOptions, noServer: true });
  const sockets: WebSocket[] = [];
  const requests: IncomingMessage[] = [];
  const tcp = new Set<Socket>();
  const waiting: ((socket: WebSocket) => void)[] = [];

  http.on('connection', (socket) => {
    tcp.add(socket);
    socket.once('close', () => tcp.delete(socket));
  });
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    requests.push(req);
    if (refuse) {
      const headers = { 'content-type': 'text/plain', ...refuse.headers };
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.end(
        `HTTP/1.1 ${refuse.status} Refused\r\n${lines.join('')}content-length: ${Buffer.byteLength(refuse.body)}\r\n\r\n${refuse.body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('error', () => undefined);
      onSocket(ws, req);
      waiting.shift()?.(ws);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    sockets,
    requests,
    nextSocket: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        for (const socket of tcp) socket.destroy();
        wss.close();
        http.close(() => resolve());
      }),
  };
}

/** Opens a `ws` client; rejects when the handshake fails. */
export function connectWs(
  url: string,
  options: ClientOptions & { protocols?: string[] } = {},
): Promise<WebSocket> {
  const { protocols, ...clientOptions } = options;
  const ws = new WebSocket(url, protocols, clientOptions);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The reply to an upgrade the router (or upstream) refused, collected like an HTTP reply. */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        ws.removeAllListeners('error');
        ws.on('error', () => undefined);
        ws.terminate();
        resolve(toReply(res, Buffer.concat(chunks)));
      });
    });
  });
}

export interface Message {
  data: Buffer;
  isBinary: boolean;
}

export function nextMessage(ws: WebSocket): Promise<Message> {
  return new Promise((resolve) =>
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
  );
}

export interface Closed {
  code: number;
  reason: string;
}

/** Resolves with the close code and reason; call it before the close can happen. */
export function closed(ws: WebSocket): Promise<Closed> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED)
      reject(new Error('the socket closed before closed() was called'));
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

/** The promise's value, or a rejection if it takes longer than `deadlineMs`. */
export async function within<T>(promise: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
