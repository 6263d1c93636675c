import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

describe('agent-sandbox header routing', () => {
  let upstream: Upstream;
  let router: RunningRouter;
  let lookup: MappedLookup;

  beforeAll(async () => {
    upstream = await startUpstream();
    lookup = new MappedLookup((host) => host.endsWith('.svc.cluster.local'));
    router = await startRouter({ lookup });
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  const sandboxHeaders = (extra: Record<string, string> = {}) => ({
    'X-Sandbox-ID': 'my-sandbox',
    'X-Sandbox-Port': String(upstream.port),
    ...extra,
  });

  it('connects to <id>.<namespace>.svc.cluster.local:<port> through the injected lookup', async () => {
    const reply = await request(router.url, '/hello', { headers: sandboxHeaders() });
    expect(reply.status).toBe(200);
    expect(lookup.seen.at(-1)).toBe('my-sandbox.default.svc.cluster.local');
    expect(reply.json<{ headers: Record<string, string> }>().headers.host).toBe(
      `my-sandbox.default.svc.cluster.local:${upstream.port}`,
    );
  });

  it('uses a hyphenated X-Sandbox-Namespace in the target name', async () => {
    const reply = await request(router.url, '/', {
      headers: sandboxHeaders({ 'X-Sandbox-Namespace': 'team-a-dev' }),
    });
    expect(reply.status).toBe(200);
    expect(lookup.seen.at(-1)).toBe('my-sandbox.team-a-dev.svc.cluster.local');
  });

  it('answers 400 ROUTE_MISSING when another X-Sandbox-* header comes without X-Sandbox-ID', async () => {
    const reply = await request(router.url, '/', { headers: { 'X-Sandbox-Port': '8080' } });
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({
      code: 'ROUTE_MISSING',
      detail: 'X-Sandbox-ID header is required.',
    });
    expect(reply.json().requestId).toBe(reply.headers['x-request-id']);
  });
});
