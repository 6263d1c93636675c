import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { Socket } from 'node:net';

/** What an HTTP/2 client with prior knowledge sends first (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

type ConnectionListener = (socket: Socket) => void;

export interface SniffOptions {
  /** Where connections that start with the preface go (h2c with prior knowledge). */
  readonly http2: Http2Server;
  /** A connection that sends no first bytes within this is closed (what headersTimeout is later). */
  readonly firstBytesTimeoutMs: number;
}

/**
 * One port, both protocols: each new connection of `server` is held until its first bytes show
 * whether it opens with the HTTP/2 preface; then it goes to the HTTP/2 server (bytes put back,
 * which Http2Session reads first) or to the HTTP/1.1 server's own connection handling (bytes
 * replayed as its first `data`, after which Node's parser reads the socket directly). A cost per
 * connection, none per request.
 */
export class PrefaceSniffer {
  private readonly http1: ConnectionListener[];

  constructor(
    private readonly server: Server,
    private readonly options: SniffOptions,
  ) {
    this.http1 = server.listeners('connection') as ConnectionListener[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => this.sniff(socket));
  }

  private sniff(socket: Socket): void {
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const checked = Math.min(head.length, PREFACE.length);
      const isPrefix = head.subarray(0, checked).equals(PREFACE.subarray(0, checked));
      // A split preface: wait for the rest.
      if (isPrefix && checked < PREFACE.length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      socket.off('error', onError);
      if (isPrefix) this.toHttp2(socket, head);
      else this.toHttp1(socket, head);
    };
    const onTimeout = () => socket.destroy();
    // Until a server owns the socket, a reset would otherwise be an unhandled 'error'.
    const onError = () => socket.destroy();
    socket.on('error', onError);
    socket.on('data', onData);
    socket.setTimeout(this.options.firstBytesTimeoutMs, onTimeout);
  }

  private toHttp2(socket: Socket, head: Buffer): void {
    socket.pause();
    socket.unshift(head);
    this.options.http2.emit('connection', socket);
  }

  private toHttp1(socket: Socket, head: Buffer): void {
    for (const listener of this.http1) listener.call(this.server, socket);
    socket.emit('data', head);
  }
}
