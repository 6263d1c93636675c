import * as grpc from '@grpc/grpc-js';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ECHO_SERVICE, EchoClient, unary } from '../support/grpc.js';
import { useGrpcRouter } from '../support/grpc-router.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { freePort, TlsFiles } from '../support/tls-files.js';
import { eventually, until } from '../support/wait.js';

const bytes = (buffer: Buffer) => buffer;

/** The common name of the certificate the listener presents now, and the ALPN it chose. */
function handshake(port: number, alpn: string[]): Promise<{ cn: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: alpn },
      () => {
        const cn = String(socket.getPeerCertificate().subject.CN);
        const protocol = String(socket.alpnProtocol);
        socket.end();
        resolve({ cn, protocol });
      },
    );
    socket.once('error', reject);
  });
}

describe('the TLS listener', () => {
  const files = new TlsFiles();
  let live: { cert: string; key: string };
  let tlsPort: number;

  beforeAll(async () => {
    const first = files.make('first');
    live = { cert: join(files.dir, 'live.crt'), key: join(files.dir, 'live.key') };
    writeFileSync(live.cert, readFileSync(first.cert));
    writeFileSync(live.key, readFileSync(first.key));
    tlsPort = await freePort();
  });
  const env = useGrpcRouter(() => ({
    config: { tls: { port: tlsPort, certFile: live.cert, keyFile: live.key } },
  }));
  beforeAll(() => until(() => handshake(tlsPort, ['h2']).then(() => true)));
  afterAll(() => files.remove());

  it('negotiates h2 and http/1.1 by ALPN', async () => {
    await expect(handshake(tlsPort, ['h2'])).resolves.toEqual({ cn: 'first', protocol: 'h2' });
    await expect(handshake(tlsPort, ['http/1.1'])).resolves.toEqual({
      cn: 'first',
      protocol: 'http/1.1',
    });
  });

  it('relays unary and bidirectional gRPC calls over TLS', async () => {
    const client = new EchoClient(
      `localhost:${tlsPort}`,
      grpc.credentials.createSsl(readFileSync(live.cert)),
    );
    try {
      const route = env.route();
      const { response, error } = await unary(client, Buffer.from('secure'), route);
      expect(error).toBeUndefined();
      expect(response?.toString()).toBe('secure');

      const call = client.makeBidiStreamRequest(ECHO_SERVICE.bidi.path, bytes, bytes, route);
      const received: string[] = [];
      call.on('data', (chunk: Buffer) => received.push(chunk.toString()));
      call.write(Buffer.from('a'));
      call.write(Buffer.from('b'));
      call.end();
      const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      expect(status.code).toBe(grpc.status.OK);
      expect(received).toEqual(['a', 'b']);
    } finally {
      client.close();
    }
  });

  it('serves HTTP/1.1 over TLS, telling the upstream the client used https', async () => {
    const { status, body } = await new Promise<{ status?: number; body: string }>(
      (resolve, reject) => {
        const request = httpsGet(
          {
            host: '127.0.0.1',
            port: tlsPort,
            path: '/over-tls',
            rejectUnauthorized: false,
            headers: { 'x-sandbox-id': 'sb', 'x-sandbox-port': String(env.httpUpstream.port) },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode, body: text }));
          },
        );
        request.on('error', reject);
      },
    );
    expect(status).toBe(200);
    const echoed = JSON.parse(body) as { url: string; headers: Record<string, string> };
    expect(echoed.url).toBe('/over-tls');
    expect(echoed.headers['x-forwarded-proto']).toBe('https');
  });

  it('picks up a certificate swapped on disk without a restart, and keeps the old one for a bad pair', async () => {
    const second = files.make('second');
    // A mismatched pair (new certificate, old key) is refused: the first one stays.
    writeFileSync(`${live.cert}.tmp`, readFileSync(second.cert));
    renameSync(`${live.cert}.tmp`, live.cert);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(handshake(tlsPort, ['h2'])).resolves.toMatchObject({ cn: 'first' });
    // Then the key follows, by rename, as a Secret update does.
    writeFileSync(`${live.key}.tmp`, readFileSync(second.key));
    renameSync(`${live.key}.tmp`, live.key);
    await eventually(
      () => expect(handshake(tlsPort, ['h2'])).resolves.toMatchObject({ cn: 'second' }),
      2_500,
    );
  });
});

describe('the TLS listener with a client CA (mTLS)', () => {
  const files = new TlsFiles();
  const routers: RunningRouter[] = [];
  const server = files.make('server');
  // Self-signed: the client's certificate is its own CA.
  const client = files.make('client');

  afterAll(async () => {
    for (const router of routers) await router.close();
    files.remove();
  });

  async function routerWith(clientAuth: 'optional' | 'required'): Promise<number> {
    const port = await freePort();
    routers.push(
      await startRouter({
        config: {
          tls: {
            port,
            certFile: server.cert,
            keyFile: server.key,
            clientCaFile: client.cert,
            clientAuth,
          },
        },
      }),
    );
    await until(() => handshakeAs(port, client).then(() => true));
    return port;
  }

  function handshakeAs(port: number, identity?: { cert: string; key: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect(
        {
          host: '127.0.0.1',
          port,
          rejectUnauthorized: false,
          ALPNProtocols: ['h2'],
          ...(identity && { cert: readFileSync(identity.cert), key: readFileSync(identity.key) }),
        },
        // TLS 1.3 reports a refused client certificate after the handshake: wait for a read.
        () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      );
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed by the router')));
    });
  }

  it('refuses a client without a certificate when client auth is required', async () => {
    const port = await routerWith('required');
    await expect(handshakeAs(port, client)).resolves.toBeUndefined();
    await expect(handshakeAs(port)).rejects.toThrow();
  });

  it('lets a client without a certificate through when client auth is optional', async () => {
    const port = await routerWith('optional');
    await expect(handshakeAs(port)).resolves.toBeUndefined();
  });
});
