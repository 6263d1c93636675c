import { loadRouterConfig } from '../../src/modules/config/config.loader.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

/** The dns provider's target name `<id>.<namespace>.svc.<CLUSTER_DOMAIN>` (SPEC §3.1). */
describe('cluster domain of DNS targets', () => {
  let upstream: Upstream;
  let router: RunningRouter | undefined;

  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
  });
  afterAll(() => upstream.close());

  const send = (namespace = 'default') =>
    request(router!.url, '/', {
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Namespace': namespace,
        'X-Sandbox-Port': String(upstream.port),
      },
    });

  it('connects to <id>.<namespace>.svc.<clusterDomain> for a non-default domain', async () => {
    const lookup = new MappedLookup((host) => host.endsWith('.svc.corp.internal'));
    router = await startRouter({
      lookup,
      config: { resolution: { dns: { clusterDomain: 'corp.internal' } } },
    });
    const reply = await send('team-a');
    expect(reply.status).toBe(200);
    expect(lookup.seen).toEqual(['my-sandbox.team-a.svc.corp.internal']);
    expect(reply.json<{ headers: Record<string, string> }>().headers.host).toBe(
      `my-sandbox.team-a.svc.corp.internal:${upstream.port}`,
    );
  });

  it('takes the domain from CLUSTER_DOMAIN through the loader', async () => {
    const { config } = loadRouterConfig({
      env: { CLUSTER_DOMAIN: 'corp.internal', ALLOW_UNAUTHENTICATED_ROUTER: 'true' },
      argv: [],
    });
    const lookup = new MappedLookup();
    router = await startRouter({ lookup, config });
    expect((await send()).status).toBe(200);
    expect(lookup.seen).toEqual(['my-sandbox.default.svc.corp.internal']);
  });

  it('falls back to cluster.local when CLUSTER_DOMAIN is empty', async () => {
    const { config, warnings } = loadRouterConfig({
      env: { CLUSTER_DOMAIN: '', ALLOW_UNAUTHENTICATED_ROUTER: 'true' },
      argv: [],
    });
    expect(warnings).toEqual([expect.stringContaining('CLUSTER_DOMAIN')]);
    const lookup = new MappedLookup();
    router = await startRouter({ lookup, config });
    expect((await send()).status).toBe(200);
    expect(lookup.seen).toEqual(['my-sandbox.default.svc.cluster.local']);
  });
});
