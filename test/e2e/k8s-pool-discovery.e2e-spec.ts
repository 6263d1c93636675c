import { InformerRegistry } from '../../src/modules/kubernetes/informer.registry.js';
import { WorkerSet } from '../../src/modules/pool/worker.set.js';
import { type KubeApiServer, startKubeApiServer } from '../support/kube-apiserver.js';
import { closedPort } from '../support/raw-upstream.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { until } from '../support/wait.js';

interface SliceEndpoint {
  address: string;
  ready?: boolean;
}

describe('worker pool discovered from a Service’s EndpointSlices on a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let router: RunningRouter;
  // Nothing listens there: health checks fail at once, and only the membership matters here.
  let port: number;
  const ns = 'workers';
  const service = 'sandbox-fusion';

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.kubectl(['create', 'namespace', ns]);
    port = await closedPort();
    router = await startRouter({
      config: {
        resolution: { kubernetes: { kubeconfig: kube.kubeconfig } },
        // Kubernetes 1.20 serves EndpointSlices as v1beta1 only.
        pool: { service: { namespace: ns, name: service, port, version: 'v1beta1' } },
      },
    });
    const informers = router.app.get(InformerRegistry);
    await until(() => informers.unsynced().length === 0, 30_000);
  }, 90_000);

  afterAll(async () => {
    await router?.close();
    await kube?.stop();
  }, 30_000);

  const workerUrls = () => router.app.get(WorkerSet).all.map((worker) => worker.url);
  const url = (address: string) => `http://${address}:${port}`;
  const poolBecomes = (urls: string[]) =>
    until(() => JSON.stringify(workerUrls()) === JSON.stringify(urls), 10_000);

  /** Creates or updates a slice, as the EndpointSlice controller would for the Service. */
  async function applySlice(
    name: string,
    endpoints: SliceEndpoint[],
    { addressType = 'IPv4', serviceName = service } = {},
  ): Promise<void> {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1beta1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': serviceName } },
      addressType,
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: endpoints.map(({ address, ready }) => ({
        addresses: [address],
        ...(ready === undefined ? {} : { conditions: { ready } }),
      })),
    };
    await kube.kubectl(['apply', '-f', '-'], JSON.stringify(slice));
  }

  it('adds the ready endpoints of a new slice, and an endpoint added to it later', async () => {
    await applySlice('sandbox-fusion-a', [{ address: '127.0.0.11', ready: true }]);
    await poolBecomes([url('127.0.0.11')]);

    await applySlice('sandbox-fusion-a', [
      { address: '127.0.0.11', ready: true },
      { address: '127.0.0.12' },
    ]);
    await poolBecomes([url('127.0.0.11'), url('127.0.0.12')]);
  });

  it('drops an endpoint marked not ready', async () => {
    await applySlice('sandbox-fusion-a', [
      { address: '127.0.0.11', ready: true },
      { address: '127.0.0.12', ready: false },
    ]);
    await poolBecomes([url('127.0.0.11')]);
  });

  it('unites several slices of the Service (IPv6 in brackets) and ignores another Service’s slices', async () => {
    await applySlice('sandbox-fusion-b', [{ address: '127.0.0.10' }, { address: '127.0.0.11' }]);
    await applySlice('sandbox-fusion-v6', [{ address: '::1' }], { addressType: 'IPv6' });
    await applySlice('other-service-a', [{ address: '127.0.0.99' }], { serviceName: 'other' });
    await poolBecomes([url('127.0.0.10'), url('127.0.0.11'), url('[::1]')]);
  });

  it('removes the workers of a deleted slice and keeps those of the others', async () => {
    await kube.kubectl(['delete', 'endpointslice', '-n', ns, 'sandbox-fusion-b']);
    await poolBecomes([url('127.0.0.11'), url('[::1]')]);

    await kube.kubectl([
      'delete',
      'endpointslice',
      '-n',
      ns,
      'sandbox-fusion-a',
      'sandbox-fusion-v6',
    ]);
    await poolBecomes([]);
  });
});
