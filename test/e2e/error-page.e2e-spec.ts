import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';

const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** SPEC §6: JSON for API clients, a small HTML page for a browser navigation. */
describe('error response format', () => {
  let router: RunningRouter;

  beforeAll(async () => {
    router = await startRouter({ lookup: new MappedLookup() });
  });
  afterAll(() => router?.close());

  const badRoute = (accept?: string) =>
    request(router.url, '/', {
      headers: { 'X-Sandbox-ID': 'Bad.Id', ...(accept ? { Accept: accept } : {}) },
    });

  it('answers a browser navigation with an HTML page carrying the code, detail and id', async () => {
    const reply = await badRoute(BROWSER_ACCEPT);
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/^<!doctype html>/i);
    expect(reply.text).toContain('ROUTE_INVALID');
    expect(reply.text).toContain('Invalid sandbox ID format.');
    expect(reply.text).toContain(String(reply.headers['x-request-id']));
  });

  it('escapes what it echoes into the page', async () => {
    const reply = await request(router.url, '/', {
      headers: {
        'X-Sandbox-ID': 'Bad',
        Accept: BROWSER_ACCEPT,
        'X-Request-ID': '<script>x</script>',
      },
    });
    expect(reply.text).not.toContain('<script>');
    expect(reply.text).toContain('&#60;script&#62;');
  });

  it.each([undefined, '*/*', 'application/json', 'application/json, text/html'])(
    'answers JSON when Accept is %j',
    async (accept) => {
      expectRouterError(await badRoute(accept), 400, 'ROUTE_INVALID', 'Invalid sandbox ID format.');
    },
  );

  it('answers HEAD with the error status and no body', async () => {
    const reply = await request(router.url, '/', {
      method: 'HEAD',
      headers: { 'X-Sandbox-ID': 'Bad.Id' },
    });
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toHaveLength(0);
  });
});
