import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { poolConfig, type PoolConfig } from '../config/router.config.js';
import { InformerRegistry } from '../kubernetes/informer.registry.js';
import type { KubeObject } from '../kubernetes/kube.client.js';
import type { InformerSink } from '../kubernetes/resource.informer.js';
import { type WorkerSpec, WorkerSet } from './worker.set.js';

/** One EndpointSlice, reduced to the worker URLs of its ready endpoints. */
export interface SliceWorkers {
  readonly name: string;
  readonly urls: readonly string[];
}

interface Endpoint {
  addresses?: unknown;
  conditions?: { ready?: unknown };
}

/**
 * The ready endpoints' addresses as `http://<address>:<port>`. A missing `ready` condition
 * counts as ready, as the EndpointSlice API docs tell consumers to read it. Only IP addresses
 * are taken: kube-proxy ignores FQDN slices too.
 */
export function decodeEndpointSlice(object: KubeObject, port: number): SliceWorkers {
  const endpoints: unknown[] = Array.isArray(object.endpoints) ? object.endpoints : [];
  const urls: string[] = [];
  for (const endpoint of endpoints as (Endpoint | null)[]) {
    if (!endpoint || endpoint.conditions?.ready === false) continue;
    const addresses: unknown[] = Array.isArray(endpoint.addresses) ? endpoint.addresses : [];
    for (const address of addresses) {
      if (typeof address !== 'string') continue;
      const family = isIP(address);
      if (family === 4) urls.push(`http://${address}:${port}`);
      else if (family === 6) urls.push(`http://[${address}]:${port}`);
    }
  }
  return { name: object.metadata?.name ?? '', urls };
}

/**
 * SPEC §3.5: the pool's workers are the ready endpoints of a Service, watched through its
 * EndpointSlices (label `kubernetes.io/service-name`). A Service may have several slices; the
 * pool is their union, replaced after every change.
 */
@Injectable()
export class EndpointSliceDiscovery implements InformerSink<SliceWorkers> {
  private readonly slices = new Map<string, readonly string[]>();

  constructor(
    @Inject(poolConfig.KEY) config: PoolConfig,
    informers: InformerRegistry,
    private readonly workers: WorkerSet,
  ) {
    const { namespace, name, port, version } = config.service;
    if (!name) return;
    informers.register({
      provider: 'pool',
      resource: { group: 'discovery.k8s.io', version, plural: 'endpointslices' },
      namespaces: [namespace],
      labelSelector: `kubernetes.io/service-name=${name}`,
      decode: (object) => decodeEndpointSlice(object, port),
      sink: this,
    });
  }

  /** EndpointSlices held (the cache-size metric). */
  get size(): number {
    return this.slices.size;
  }

  replace(_namespace: string | undefined, records: SliceWorkers[]): void {
    this.slices.clear();
    for (const { name, urls } of records) this.slices.set(name, urls);
    this.publish();
  }

  upsert({ name, urls }: SliceWorkers): void {
    this.slices.set(name, urls);
    this.publish();
  }

  remove({ name }: SliceWorkers): void {
    this.slices.delete(name);
    this.publish();
  }

  private publish(): void {
    const urls = [...new Set([...this.slices.values()].flat())].sort();
    this.workers.replace(urls.map((url): WorkerSpec => ({ url, weight: 1 })));
  }
}
