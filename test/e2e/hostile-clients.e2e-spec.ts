import type { IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expectRouterError } from '../support/expect-error.js';
import { request, type Reply } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { useRouter } from '../support/router-app.js';

/** A raw connection to the router: what the test writes, and everything read until it closes. */
function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const reply = new Promise<Reply>((resolve) =>
    socket.once('close', () => resolve(parseReply(Buffer.concat(chunks)))),
  );
  return { socket, reply };
}

/** One HTTP/1.1 response with a length, as a Reply (enough for expectRouterError). */
function parseReply(raw: Buffer): Reply {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: IncomingHttpHeaders = {};
  const rawHeaders: string[] = [];
  for (const line of lines) {
    const cut = line.indexOf(':');
    const name = line.slice(0, cut);
    const value = line.slice(cut + 1).trim();
    rawHeaders.push(name, value);
    headers[name.toLowerCase()] = value;
  }
  const body = raw.subarray(end + 4);
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    rawHeaders,
    body,
    text: body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/** Sends `text` one byte per `everyMs` until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < text.length && socket.writable) socket.write(text[sent++]);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

/** Slow and oversized clients, and requests Node or Fastify refuse before routing. */
describe('hostile clients', () => {
  const env = useRouter({
    lookup: new MappedLookup(),
    config: { server: { headersTimeoutSeconds: 2 } },
  });
  const sandbox = () => ({ 'X-Sandbox-ID': 'box', 'X-Sandbox-Port': String(env.upstream.port) });

  it('cuts a client sending one header byte a second at the header timeout with 408, serving 50 others meanwhile', async () => {
    const slow = rawClient(env.router.port);
    let slowClosed = false;
    void slow.reply.then(() => (slowClosed = true));
    slow.socket.write('GET / HTTP/1.1\r\nHost: router\r\n');
    trickle(slow.socket, `X-Sandbox-ID: box\r\nX-Sandbox-Port: ${env.upstream.port}\r\n\r\n`, 1000);

    const others = await Promise.all(
      Array.from({ length: 50 }, () => request(env.router.url, '/', { headers: sandbox() })),
    );
    expect(others.map((reply) => reply.status)).toEqual(Array(50).fill(200));
    expect(slowClosed).toBe(false);

    expectRouterError(
      await slow.reply,
      408,
      'REQUEST_TIMEOUT',
      'Request headers not received in time.',
    );
    expect(env.upstream.requests).toHaveLength(50);
  });

  it('answers a 20 KB header with 431 HEADERS_TOO_LARGE in JSON', async () => {
    const reply = await request(env.router.url, '/', {
      headers: { ...sandbox(), 'X-Padding': 'a'.repeat(20 * 1024) },
    });
    expectRouterError(reply, 431, 'HEADERS_TOO_LARGE', 'Request headers too large.');
  });

  it('answers a malformed request line with 400 ROUTE_INVALID in JSON', async () => {
    const client = rawClient(env.router.port);
    client.socket.write('NOT AN HTTP REQUEST\r\n\r\n');
    expectRouterError(await client.reply, 400, 'ROUTE_INVALID', 'Malformed HTTP request.');
  });

  it("answers a bad %-escape in a router endpoint's URL with 400 ROUTE_INVALID in JSON", async () => {
    const reply = await request(env.router.url, '/healthz%zz');
    expectRouterError(reply, 400, 'ROUTE_INVALID', 'Malformed request path.');
  });

  it('keeps serving after all of these', async () => {
    expect((await request(env.router.url, '/', { headers: sandbox() })).status).toBe(200);
    expect((await request(env.router.url, '/healthz')).status).toBe(200);
  });
});

describe('server.maxHeaderBytes and server.keepAliveTimeoutSeconds', () => {
  const env = useRouter({
    lookup: new MappedLookup(),
    config: { server: { maxHeaderBytes: 2048, keepAliveTimeoutSeconds: 1 } },
  });

  it('answers 431 past the configured header size', async () => {
    const reply = await request(env.router.url, '/healthz', {
      headers: { 'X-Padding': 'a'.repeat(3 * 1024) },
    });
    expectRouterError(reply, 431, 'HEADERS_TOO_LARGE', 'Request headers too large.');
  });

  it('closes an idle keep-alive connection after the configured timeout', async () => {
    const client = rawClient(env.router.port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: router\r\n\r\n');
    // The router ends the connection itself: the test never closes it.
    const reply = await client.reply;
    expect(reply.status).toBe(200);
    expect(reply.headers['keep-alive']).toBe('timeout=1');
  });
});
