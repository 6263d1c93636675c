import type { KubeApiServer } from './kube-apiserver.js';

export const SANDBOX = 'sandboxes.agents.x-k8s.io';
export const BATCH_SANDBOX = 'batchsandboxes.sandbox.opensandbox.io';

/** The status agent-sandbox's controller writes once a sandbox's pod and Service are up. */
export const readySandboxStatus = (namespace: string, name: string) => ({
  serviceFQDN: `${name}.${namespace}.svc.cluster.local`,
  podIPs: ['127.0.0.1'],
  conditions: [{ type: 'Ready', status: 'True', reason: 'DependenciesReady' }],
});

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

  /** Writes through the status subresource, the only way status changes. */
  async setStatus(
    resource: string,
    namespace: string,
    name: string,
    status: object,
  ): Promise<void> {
    await this.kube.kubectl([
      'patch',
      resource,
      name,
      '-n',
      namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  }

  async annotate(
    resource: string,
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ) {
    await this.kube.kubectl([
      'patch',
      resource,
      name,
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ metadata: { annotations } }),
    ]);
  }

  async delete(resource: string, namespace: string, name: string): Promise<void> {
    await this.kube.kubectl(['delete', resource, name, '-n', namespace, '--wait=false']);
  }

  private async apply(object: object): Promise<void> {
    await this.kube.kubectl(['create', '-f', '-'], JSON.stringify(object));
  }
}

/** Retries an assertion until it passes or the deadline is reached (then its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
