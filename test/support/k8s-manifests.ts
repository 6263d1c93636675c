import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const K8S_DIR = fileURLToPath(new URL('../../k8s', import.meta.url));

/** A rendered Kubernetes object; the fields the checks read are typed where they read them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** `kubectl kustomize <dir>`, one object per document. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  const yaml = await run('kubectl', ['kustomize', dir]);
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

/**
 * Renders `resource` (a kustomization under k8s/) with `components` on top, the way an operator's
 * own kustomization would. Kustomize takes only relative paths, from a directory of its own.
 */
export async function kustomizeWith(resource: string, components: string[]): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kustomize-'));
  try {
    const path = (name: string) => JSON.stringify(relative(dir, join(K8S_DIR, name)));
    await writeFile(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${path(resource)}]`,
        `components: [${components.map(path).join(', ')}]`,
        '',
      ].join('\n'),
    );
    return await kustomize(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The kubernetes-models package that holds each API group's upstream OpenAPI schemas. */
const SCHEMA_PACKAGES: Record<string, string> = {
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'networking.gke.io': '@kubernetes-models/gke',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates `object` against its kind's upstream schema with the kubernetes-models packages:
 * the problems found, or a single one when no package knows the kind. Their schemas do not
 * forbid unknown fields, so a misspelt optional field passes.
 */
export async function schemaProblems(object: KubeObject): Promise<string[]> {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const id = `${object.kind} ${object.metadata.name} (${object.apiVersion})`;
  const specifier = SCHEMA_PACKAGES[group]
    ? `${SCHEMA_PACKAGES[group]}/${group}/${version}`
    : `kubernetes-models/${group || 'v1'}${group ? `/${version}` : ''}`;
  let model: ModelClass | undefined;
  try {
    model = ((await import(specifier)) as Record<string, ModelClass | undefined>)[object.kind];
  } catch {
    model = undefined;
  }
  if (!model) return [`${id}: no schema for this kind in ${specifier}`];
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [`${id}: ${(error as Error).message}`];
  }
}

/** `kubectl auth can-i ...` against `kubeconfig`: true for yes, false for no, else throws. */
export function canI(kubeconfig: string, args: string[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        const answer = stdout.trim();
        if (answer === 'yes' && !error) resolve(true);
        else if (answer === 'no') resolve(false);
        else reject(new Error(`kubectl auth can-i ${args.join(' ')}: ${stderr || error?.message}`));
      },
    );
  });
}

/** Runs `task` over `items`, at most `limit` at a time (each is a kubectl process). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`))
        : resolve(stdout),
    );
  });
}
