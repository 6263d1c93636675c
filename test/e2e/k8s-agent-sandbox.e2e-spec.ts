import { SANDBOX_RESOLVER } from '../../src/modules/resolution/resolution.constants.js';
import type { ResolverChain } from '../../src/modules/resolution/resolver.chain.js';
import { expectRouterError, expectSandboxNotFound } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { useSandboxCluster } from '../support/kube-routers.js';
import { SANDBOX, sandboxHeaders } from '../support/kube-sandboxes.js';
import { eventually } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';

describe('agent-sandbox Sandbox resources on a real kube-apiserver', () => {
  const ns = 'agents-a';
  const other = 'agents-b';
  const lookup = new MappedLookup((host) => host.endsWith('.svc.cluster.local'));
  const env = useSandboxCluster({
    namespaces: [ns, other],
    providers: ['agent-sandbox'],
    routers: { main: { lookup } },
  });
  const { routers } = env;

  const get = (id: string, namespace = ns) =>
    request(routers.main.url, '/hello', {
      headers: sandboxHeaders(id, namespace, env.upstream.port),
    });
  const resolver = () => routers.main.app.get<ResolverChain>(SANDBOX_RESOLVER);

  it('answers 503 SANDBOX_NOT_READY with Retry-After and the reason until the status says ready, then routes to status.serviceFQDN', async () => {
    await env.sandboxes.createSandbox(ns, 'starting');
    const waiting = await eventually(async () => {
      const reply = await get('starting');
      expect(reply.status).toBe(503);
      return reply;
    });
    expectRouterError(
      waiting,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox starting is not ready: no Ready condition yet',
    );
    expect(waiting.headers['retry-after']).toBe('1');

    await env.sandboxes.setStatus(SANDBOX, ns, 'starting', {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'PodPending', message: 'pod is pending' },
      ],
    });
    await eventually(async () =>
      expectRouterError(
        await get('starting'),
        503,
        'SANDBOX_NOT_READY',
        'Sandbox starting is not ready: condition Ready is False: pod is pending',
      ),
    );

    await env.sandboxes.markReady(ns, 'starting');
    const routed = await eventually(async () => {
      const reply = await get('starting');
      expect(reply.status).toBe(200);
      return reply;
    });
    expect(routed.json<{ url: string }>().url).toBe('/hello');
    expect(lookup.seen.at(-1)).toBe(`starting.${ns}.svc.cluster.local`);
  });

  it('answers 503 while Ready is True but status.serviceFQDN is not set yet', async () => {
    await env.sandboxes.createSandbox(ns, 'no-fqdn');
    await env.sandboxes.setStatus(SANDBOX, ns, 'no-fqdn', {
      conditions: [{ type: 'Ready', status: 'True' }],
    });
    await eventually(async () =>
      expectRouterError(
        await get('no-fqdn'),
        503,
        'SANDBOX_NOT_READY',
        'Sandbox no-fqdn is not ready: status.serviceFQDN is not set',
      ),
    );
  });

  it('answers 404 SANDBOX_NOT_FOUND for an unknown sandbox and once a routed sandbox is deleted', async () => {
    expectSandboxNotFound(await get('never-created'), 'never-created');
    await env.sandboxes.createReadySandbox(ns, 'short-lived');
    await eventually(async () => expect((await get('short-lived')).status).toBe(200));

    await env.sandboxes.delete(SANDBOX, ns, 'short-lived');
    await eventually(async () => expectSandboxNotFound(await get('short-lived'), 'short-lived'));
  });

  it('finds the sandbox- prefixed DNS-1035 name for an id with a leading digit, and the normalised name for upper case', async () => {
    await env.sandboxes.createReadySandbox(ns, 'sandbox-7up');
    await eventually(async () => expect((await get('7up')).status).toBe(200));
    expect(lookup.seen.at(-1)).toBe(`sandbox-7up.${ns}.svc.cluster.local`);

    await env.sandboxes.createReadySandbox(ns, 'my-box');
    // Upper case never passes the header rule; route forms without it (host names) may carry it.
    const target = await eventually(() =>
      resolver().resolve({ kind: 'host', sandboxId: 'My_Box', namespace: ns, port: 80 }),
    );
    expect(target.url.host).toBe(`my-box.${ns}.svc.cluster.local`);
  });

  it('answers 502 SANDBOX_AMBIGUOUS for a name in two namespaces when the route names no namespace', async () => {
    for (const namespace of [ns, other]) {
      await env.sandboxes.createReadySandbox(namespace, 'twin');
    }
    await eventually(async () => expect((await get('twin', other)).status).toBe(200));
    expect(lookup.seen.at(-1)).toBe(`twin.${other}.svc.cluster.local`);

    const ambiguous = await resolver()
      .resolve({ kind: 'host', sandboxId: 'twin', port: env.upstream.port })
      .catch((error: unknown) => error);
    expect(ambiguous).toMatchObject({ code: 'SANDBOX_AMBIGUOUS', status: 502 });
  });
});
