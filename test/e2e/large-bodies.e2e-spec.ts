import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from '../support/http-client.js';
import { useRouterAndUpstream } from '../support/router-app.js';
import { digestBody } from '../support/upstream.js';

const TEN_MB = 10 * 1024 * 1024;
const payload = randomBytes(TEN_MB);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * POST /upload answers with what arrived (size, digest, framing); GET /download streams the
 * payload in 64 KiB writes.
 */
function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/download') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let offset = 0; offset < payload.length; offset += 65536) {
      res.write(payload.subarray(offset, offset + 65536));
    }
    res.end();
    return;
  }
  digestBody(req, (digest) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ ...digest, transferEncoding: req.headers['transfer-encoding'] ?? null }),
    );
  });
}

/** Bodies stream through unbuffered and unaltered (SPEC §4.1). */
describe('large bodies', () => {
  const env = useRouterAndUpstream(upstreamHandler);

  const sandboxHeaders = () => ({
    'X-Sandbox-ID': 'big-box',
    'X-Sandbox-Port': String(env.upstream.port),
  });
  const upload = (body: Buffer | Buffer[]) =>
    request(env.router.url, '/upload', {
      method: 'POST',
      headers: { ...sandboxHeaders(), 'content-type': 'application/octet-stream' },
      body,
    });

  it('delivers a 10 MB POST body intact', async () => {
    const reply = await upload(payload);
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      bytes: TEN_MB,
      sha256: sha256(payload),
      transferEncoding: null,
    });
  });

  it('delivers a 10 MB chunked request body intact', async () => {
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < payload.length; offset += 1_000_000) {
      chunks.push(payload.subarray(offset, offset + 1_000_000));
    }
    const reply = await upload(chunks);
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      bytes: TEN_MB,
      sha256: sha256(payload),
      transferEncoding: 'chunked',
    });
  });

  it('delivers a 10 MB response intact', async () => {
    const reply = await request(env.router.url, '/download', { headers: sandboxHeaders() });
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(TEN_MB);
    expect(sha256(reply.body)).toBe(sha256(payload));
  });
});
