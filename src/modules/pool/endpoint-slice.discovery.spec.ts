import { routerConfigSchema } from '../config/config.schema.js';
import type { InformerRegistry } from '../kubernetes/informer.registry.js';
import type { KubeObject } from '../kubernetes/kube.client.js';
import type { InformerOptions } from '../kubernetes/resource.informer.js';
import {
  decodeEndpointSlice,
  EndpointSliceDiscovery,
  type SliceWorkers,
} from './endpoint-slice.discovery.js';
import { WorkerSet } from './worker.set.js';

const slice = (name: string, endpoints: unknown[]): KubeObject => ({
  metadata: { name, namespace: 'pool' },
  addressType: 'IPv4',
  endpoints,
});

describe('decodeEndpointSlice', () => {
  it('takes the addresses of endpoints whose ready condition is true or absent, and skips not-ready ones', () => {
    const decoded = decodeEndpointSlice(
      slice('workers-a', [
        { addresses: ['10.0.0.1'], conditions: { ready: true } },
        { addresses: ['10.0.0.2'], conditions: { ready: false } },
        { addresses: ['10.0.0.3'], conditions: {} },
        { addresses: ['10.0.0.4'] },
      ]),
      8080,
    );
    expect(decoded).toEqual({
      name: 'workers-a',
      urls: ['http://10.0.0.1:8080', 'http://10.0.0.3:8080', 'http://10.0.0.4:8080'],
    });
  });

  it('puts IPv6 addresses in brackets', () => {
    const decoded = decodeEndpointSlice(slice('workers-v6', [{ addresses: ['fd00::1'] }]), 8080);
    expect(decoded.urls).toEqual(['http://[fd00::1]:8080']);
  });

  it('ignores FQDN and malformed addresses and a slice without endpoints', () => {
    const odd = slice('odd', [{ addresses: ['worker.example.com', 42, ''] }, null, {}]);
    expect(decodeEndpointSlice(odd, 8080).urls).toEqual([]);
    expect(decodeEndpointSlice({ metadata: { name: 'empty' } }, 8080).urls).toEqual([]);
  });
});

describe('EndpointSliceDiscovery', () => {
  const workersService = { namespace: 'pool', name: 'workers', port: 8080 };

  function discover(service: object = workersService) {
    const config = routerConfigSchema.shape.pool.parse({ service });
    const registered: InformerOptions<SliceWorkers>[] = [];
    const informers = {
      register: (options: InformerOptions<SliceWorkers>) => registered.push(options),
    } as unknown as InformerRegistry;
    const workers = new WorkerSet(config);
    const discovery = new EndpointSliceDiscovery(config, informers, workers);
    const urls = () => workers.all.map((worker) => worker.url);
    return { discovery, registered, urls };
  }

  it('watches the Service’s EndpointSlices in its namespace by the service-name label', () => {
    const { registered, discovery } = discover();
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({
      resource: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' },
      namespaces: ['pool'],
      labelSelector: 'kubernetes.io/service-name=workers',
      sink: discovery,
    });
  });

  it('registers nothing when no Service is configured', () => {
    expect(discover({}).registered).toEqual([]);
  });

  it('makes the pool the sorted, deduplicated union of every slice, and follows updates and deletions', () => {
    const { discovery, registered, urls } = discover();
    const { decode } = registered[0];
    const a = decode(
      slice('workers-a', [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.9'] }]),
    );
    const b = decode(
      slice('workers-b', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }]),
    );
    discovery.replace('pool', [a, b]);
    expect(urls()).toEqual([
      'http://10.0.0.1:8080',
      'http://10.0.0.2:8080',
      'http://10.0.0.9:8080',
    ]);

    discovery.upsert(
      decode(slice('workers-b', [{ addresses: ['10.0.0.1'], conditions: { ready: false } }])),
    );
    expect(urls()).toEqual(['http://10.0.0.2:8080', 'http://10.0.0.9:8080']);

    discovery.remove(a);
    expect(urls()).toEqual([]);

    discovery.replace('pool', [b]);
    expect(urls()).toEqual(['http://10.0.0.1:8080', 'http://10.0.0.2:8080']);
  });
});
