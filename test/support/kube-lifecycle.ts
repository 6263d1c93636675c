import type { KubeConfig } from '@kubernetes/client-node';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { KubeClient, type KubePatch } from '../../src/modules/kubernetes/kube.client.js';
import { KUBE_CONFIG } from '../../src/modules/kubernetes/kubernetes.constants.js';
import type { KubeApiServer } from './kube-apiserver.js';

/** The real client, noting every patch it sends (to the real API server) by object path. */
export class RecordingKubeClient extends KubeClient {
  readonly patches: { path: string; patch: KubePatch }[] = [];

  override async patch(path: string, patch: KubePatch, signal?: AbortSignal): Promise<void> {
    this.patches.push({ path, patch });
    return super.patch(path, patch, signal);
  }

  /** Patches sent for objects named `name`. */
  patchesTo(name: string): KubePatch[] {
    return this.patches.filter((p) => p.path.endsWith(`/${name}`)).map((p) => p.patch);
  }
}

/** Swaps the router's KubeClient for a RecordingKubeClient, handed to `onClient`. */
export const recordingKubeClient =
  (onClient: (client: RecordingKubeClient) => void) => (builder: TestingModuleBuilder) =>
    builder.overrideProvider(KubeClient).useFactory({
      inject: [KUBE_CONFIG],
      factory: (config: KubeConfig | null) => {
        const client = new RecordingKubeClient(config);
        onClient(client);
        return client;
      },
    });

export interface KubeObjectJson {
  metadata: { generation: number; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** One object as the API server has it now. */
export async function getObject(
  kube: KubeApiServer,
  resource: string,
  namespace: string,
  name: string,
): Promise<KubeObjectJson> {
  return JSON.parse(
    await kube.kubectl(['get', resource, name, '-n', namespace, '-o', 'json']),
  ) as KubeObjectJson;
}

/** Creates any object (spec, annotations and all) as its controller's user would. */
export async function createObject(kube: KubeApiServer, object: object): Promise<void> {
  await kube.kubectl(['create', '-f', '-'], JSON.stringify(object));
}
