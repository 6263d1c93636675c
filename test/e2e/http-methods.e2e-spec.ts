import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from '../support/http-client.js';
import { useRouterAndUpstream } from '../support/router-app.js';
import { digestBody } from '../support/upstream.js';

/** Echoes the method and a digest of the body it received, with a fixed-length body. */
function methodEcho(req: IncomingMessage, res: ServerResponse): void {
  digestBody(req, (digest) => {
    const body = JSON.stringify({ method: req.method, ...digest });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      allow: 'GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE',
    });
    res.end(body);
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every method is proxied (SPEC §4.1), bodies included, HEAD and OPTIONS too. */
describe('HTTP methods', () => {
  const env = useRouterAndUpstream(methodEcho);

  const send = (method: string, body?: string) =>
    request(env.router.url, '/resource', {
      method,
      body,
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Port': String(env.upstream.port),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });

  it.each(['GET', 'DELETE', 'OPTIONS'])('proxies %s without a body', async (method) => {
    const reply = await send(method);
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ method, bytes: 0 });
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('proxies %s with its body intact', async (method) => {
    const body = JSON.stringify({ method, payload: 'x'.repeat(5000) });
    const reply = await send(method, body);
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ method, bytes: body.length, sha256: sha256(body) });
  });

  it('proxies OPTIONS and returns the upstream Allow header', async () => {
    const reply = await send('OPTIONS');
    expect(reply.headers.allow).toBe('GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE');
  });

  it('proxies HEAD: the upstream sees HEAD and the reply has headers but no body', async () => {
    const reply = await send('HEAD');
    expect(reply.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.method).toBe('HEAD');
    expect(Number(reply.headers['content-length'])).toBeGreaterThan(0);
    expect(reply.body).toHaveLength(0);
  });
});
