import { request } from '../support/http-client.js';
import { useRouterAndUpstream } from '../support/router-app.js';

/** Path and query go upstream raw (SPEC §4.1): object stores and signed URLs depend on it. */
describe('raw path and query', () => {
  const env = useRouterAndUpstream();

  it.each([
    '/list/%2E?marker=%2E',
    '/a%2Fb',
    '/a/%2e%2e/b',
    '/files/%252F?x=%26y%3D1&empty=&flag',
    '/unicode/%E2%9C%93?q=%E2%9C%93',
    '/trailing/?a=1&a=2',
    '//double//slash',
  ])('delivers %s to the upstream byte for byte', async (path) => {
    const reply = await request(env.router.url, path, {
      headers: { 'X-Sandbox-ID': 'my-sandbox', 'X-Sandbox-Port': String(env.upstream.port) },
    });
    expect(reply.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.url).toBe(path);
  });
});
