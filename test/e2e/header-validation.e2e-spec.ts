import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';

/** Every malformed agent-sandbox header is a 400 with the peer router's exact message. */
describe('agent-sandbox header validation', () => {
  let router: RunningRouter;
  let lookup: MappedLookup;

  beforeAll(async () => {
    lookup = new MappedLookup();
    router = await startRouter({ lookup });
  });
  afterAll(() => router.close());

  const send = (headers: Record<string, string>) => request(router.url, '/', { headers });
  const withId = (extra: Record<string, string>) => ({ 'X-Sandbox-ID': 'my-sandbox', ...extra });

  it.each([
    ['X-Sandbox-Port', '8080'],
    ['X-Sandbox-Namespace', 'default'],
    ['X-Sandbox-Timeout', '5'],
  ])('answers 400 ROUTE_MISSING when %s comes without X-Sandbox-ID', async (name, value) => {
    const reply = await send({ [name]: value });
    expectRouterError(reply, 400, 'ROUTE_MISSING', 'X-Sandbox-ID header is required.');
  });

  it.each(['bad.sandbox.id', 'My-Sandbox', 'a'.repeat(64), 'under_score', '-dash'])(
    'answers 400 ROUTE_INVALID for the sandbox id %j',
    async (id) => {
      const reply = await send({ 'X-Sandbox-ID': id });
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid sandbox ID format.');
    },
  );

  it.each(['team a', 'team$a', 'ns!', 'Team', 'a.b'])(
    'answers 400 ROUTE_INVALID for the namespace %j',
    async (namespace) => {
      const reply = await send(withId({ 'X-Sandbox-Namespace': namespace }));
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid namespace format.');
    },
  );

  it.each(['not-a-number', '0', '65536', '-80', '100000'])(
    'answers 400 ROUTE_INVALID for the port %j',
    async (port) => {
      const reply = await send(withId({ 'X-Sandbox-Port': port }));
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid port format.');
    },
  );

  it('never looks up a target for a refused request', async () => {
    const before = lookup.seen.length;
    await send(withId({ 'X-Sandbox-Port': '0' }));
    expect(lookup.seen).toHaveLength(before);
  });

  it('passes a client-sent X-Request-ID into the error body and header', async () => {
    const reply = await send({ 'X-Sandbox-ID': 'Bad', 'X-Request-ID': 'trace-42' });
    expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid sandbox ID format.');
    expect(reply.headers['x-request-id']).toBe('trace-42');
  });
});
