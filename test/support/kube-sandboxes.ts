import { eventually } from './wait.js';
import { request } from './http-client.js';
import { applyCrds, type KubeApiServer, startKubeApiServer } from './kube-apiserver.js';
import { type RouterOptions, type RunningRouter, startRouter } from './router-app.js';

export const SANDBOX = 'sandboxes.agents.x-k8s.io';
export const BATCH_SANDBOX = 'batchsandboxes.sandbox.opensandbox.io';

/** The status agent-sandbox's controller writes once a sandbox's pod and Service are up. */
export const readySandboxStatus = (namespace: string, name: string) => ({
  serviceFQDN: `${name}.${namespace}.svc.cluster.local`,
  podIPs: ['127.0.0.1'],
  conditions: [{ type: 'Ready', status: 'True', reason: 'DependenciesReady' }],
});

/** The headers that route a request to `id` in `namespace` on `port` (the test's upstream). */
export const sandboxHeaders = (id: string, namespace: string, port: number) => ({
  'X-Sandbox-ID': id,
  'X-Sandbox-Namespace': namespace,
  'X-Sandbox-Port': String(port),
});

/** A fresh API server with k8s/crds applied and `namespaces` created; stopped again on failure. */
export async function startSandboxCluster(
  namespaces: string[],
): Promise<{ kube: KubeApiServer; sandboxes: KubeSandboxes }> {
  const kube = await startKubeApiServer();
  try {
    await applyCrds(kube);
    const sandboxes = new KubeSandboxes(kube);
    for (const namespace of namespaces) await sandboxes.createNamespace(namespace);
    return { kube, sandboxes };
  } catch (error) {
    await kube.stop();
    throw error;
  }
}

/** Starts the router and waits until /readyz answers 200: its informers have listed. */
export async function startSyncedRouter(options: RouterOptions): Promise<RunningRouter> {
  const router = await startRouter(options);
  try {
    await eventually(async () => expect((await request(router.url, '/readyz')).status).toBe(200));
    return router;
  } catch (error) {
    await router.close();
    throw error;
  }
}

/** Sandbox and BatchSandbox objects written through kubectl, as a controller would. */
export class KubeSandboxes {
  constructor(private readonly kube: KubeApiServer) {}

  async createNamespace(name: string): Promise<void> {
    await this.kube.kubectl(['create', 'namespace', name]);
  }

  async createSandbox(namespace: string, name: string, version = 'v1beta1'): Promise<void> {
    await this.apply({
      apiVersion: `agents.x-k8s.io/${version}`,
      kind: 'Sandbox',
      metadata: { namespace, name },
      spec: {},
    });
  }

  async createBatchSandbox(
    namespace: string,
    name: string,
    annotations: Record<string, string> = {},
  ) {
    await this.apply({
      apiVersion: 'sandbox.opensandbox.io/v1alpha1',
      kind: 'BatchSandbox',
      metadata: { namespace, name, annotations },
      spec: { replicas: 1 },
    });
  }

  /** A Sandbox whose status already says ready, as after its controller brought it up. */
  async createReadySandbox(namespace: string, name: string): Promise<void> {
    await this.createSandbox(namespace, name);
    await this.markReady(namespace, name);
  }

  /** Writes the ready status agent-sandbox's controller would write for a Sandbox. */
  async markReady(namespace: string, name: string): Promise<void> {
    await this.setStatus(SANDBOX, namespace, name, readySandboxStatus(namespace, name));
  }

  /** Writes through the status subresource, the only way status changes. */
  async setStatus(
    resource: string,
    namespace: string,
    name: string,
    status: object,
  ): Promise<void> {
    await this.patch(resource, namespace, name, { status }, ['--subresource=status']);
  }

  async annotate(
    resource: string,
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ) {
    await this.patch(resource, namespace, name, { metadata: { annotations } });
  }

  async delete(resource: string, namespace: string, name: string): Promise<void> {
    await this.kube.kubectl(['delete', resource, name, '-n', namespace, '--wait=false']);
  }

  private async patch(
    resource: string,
    namespace: string,
    name: string,
    body: object,
    flags: string[] = [],
  ): Promise<void> {
    await this.kube.kubectl([
      'patch',
      resource,
      name,
      '-n',
      namespace,
      ...flags,
      '--type=merge',
      '-p',
      JSON.stringify(body),
    ]);
  }

  private async apply(object: object): Promise<void> {
    await this.kube.kubectl(['create', '-f', '-'], JSON.stringify(object));
  }
}
