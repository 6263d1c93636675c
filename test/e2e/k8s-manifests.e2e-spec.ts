import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configPathFrom, loadRouterConfig } from '../../src/modules/config/config.loader.js';
import type { RouterConfig } from '../../src/modules/config/config.schema.js';
import { applyCrds, type KubeApiServer, startKubeApiServer } from '../support/kube-apiserver.js';
import {
  canI,
  K8S_DIR,
  type KubeObject,
  kustomize,
  kustomizeWith,
  mapLimit,
  schemaProblems,
} from '../support/k8s-manifests.js';

// The shapes of the rendered objects these checks read (the schemas vouch for the rest).
interface LabelSelector {
  matchLabels?: Record<string, string>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: object } }[];
  args?: string[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  topologySpreadConstraints?: { topologyKey: string; labelSelector: LabelSelector }[];
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string; items?: unknown[] } }[];
}
type Deployment = KubeObject & {
  spec: {
    replicas: number;
    selector: LabelSelector;
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
interface ServicePort {
  name: string;
  port: number;
  targetPort: string | number;
}
type Service = KubeObject & {
  spec: { selector: Record<string, string>; ports: ServicePort[] };
};
interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
type Role = KubeObject & { rules: PolicyRule[] };
type Binding = KubeObject & {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
};
interface TargetRef {
  kind: string;
  name: string;
}

/** What each mode's providers read from the API server; the only access its RBAC may grant. */
const SANDBOXES = 'sandboxes.agents.x-k8s.io';
const BATCH_SANDBOXES = 'batchsandboxes.sandbox.opensandbox.io';
const SANDBOX_FUSION_KEYS = ['workers', 'health_check_interval', 'timeout', 'routing_strategy'];

interface Mode {
  namespace: string;
  reads: string[];
  /** Refuses to start without the router token from the Secret. */
  needsToken: boolean;
  /** The router config, as its own loader parsed it from the ConfigMap. */
  expectConfig(config: RouterConfig, file: Record<string, unknown>): void;
}
const MODES: Record<string, Mode> = {
  'agent-sandbox': {
    namespace: 'agent-sandbox-system',
    reads: [SANDBOXES],
    needsToken: true,
    expectConfig: (config) => expect(config.resolution.providers).toEqual(['agent-sandbox', 'dns']),
  },
  opensandbox: {
    namespace: 'opensandbox-router',
    reads: [BATCH_SANDBOXES],
    needsToken: false,
    expectConfig: (config) => {
      expect(config.resolution.providers).toEqual(['batch-sandbox']);
      expect(config.routing.strategies).toContain('host');
      expect(config.routing.host.domains.length).toBeGreaterThan(0);
    },
  },
  sandboxfusion: {
    namespace: 'sandboxfusion-router',
    reads: [],
    needsToken: false,
    expectConfig: (config, file) => {
      expect(SANDBOX_FUSION_KEYS).toEqual(expect.arrayContaining(Object.keys(file)));
      expect(config.pool.workers.length).toBeGreaterThan(0);
    },
  },
};
const MODE_NAMES = Object.keys(MODES);

interface Variant {
  name: string;
  mode: string;
  components: string[];
  /** With components/lifecycle: `patch` on the provider's kind, wake and keep-alive on. */
  lifecycle?: boolean;
}
// The modes whose providers watch sandbox custom resources, which lifecycle/ patches.
const CR_MODES = ['agent-sandbox', 'opensandbox'];

/**
 * Every shipped kustomization, each mode behind the Gateway with monitoring on top, and each
 * custom-resource mode with the lifecycle component.
 */
const VARIANTS: Variant[] = [
  ...MODE_NAMES.map((mode) => ({ name: `overlays/${mode}`, mode, components: [] as string[] })),
  { name: 'overlays/gke-gateway', mode: 'agent-sandbox', components: [] },
  ...MODE_NAMES.map((mode) => ({
    name: `overlays/${mode} + components/gke-gateway + monitoring`,
    mode,
    components: ['components/gke-gateway', 'monitoring'],
  })),
  ...CR_MODES.map((mode) => ({
    name: `overlays/${mode} + components/lifecycle`,
    mode,
    components: ['components/lifecycle'],
    lifecycle: true,
  })),
];

// The series the router exports on the admin port (SPEC §5); the dashboard may use no other.
const ROUTER_SERIES = [
  'sandbox_router_requests_total',
  'sandbox_router_request_duration_seconds',
  'sandbox_router_inflight_requests',
  'sandbox_router_upstream_connect_seconds',
  'sandbox_router_upstream_errors_total',
  'sandbox_router_upstream_retries_total',
  'sandbox_router_websocket_connections',
  'sandbox_router_websocket_closed_total',
  'sandbox_router_resolver_cache_sandboxes',
  'sandbox_router_watch_events_total',
  'sandbox_router_watch_restarts_total',
  'sandbox_router_cache_synced',
  'sandbox_router_pool_workers',
  'sandbox_router_pool_requests_total',
  'sandbox_router_build_info',
  'sandbox_router_wake_attempts_total',
  'sandbox_router_wake_held_requests',
  'sandbox_router_wake_duration_seconds',
  'sandbox_router_keepalive_patches_total',
];

// Kinds kube-apiserver 1.20 does not serve: PodDisruptionBudget policy/v1 came in 1.21, HPA
// autoscaling/v2 in 1.23, and the Gateway API, GKE and Prometheus Operator CRDs are not installed
// in the test's server. These are checked against the offline schemas only.
const OFFLINE_ONLY = [
  'GCPBackendPolicy networking.gke.io/v1',
  'Gateway gateway.networking.k8s.io/v1',
  'HTTPRoute gateway.networking.k8s.io/v1',
  'HealthCheckPolicy networking.gke.io/v1',
  'HorizontalPodAutoscaler autoscaling/v2',
  'PodDisruptionBudget policy/v1',
  'ServiceMonitor monitoring.coreos.com/v1',
];

/** One `kubectl auth can-i` question and the answer the RBAC must give. */
type Check = readonly [verb: string, resource: string, scope: string, allowed: boolean];
const check = (...question: Check): Check => question;

const kindOf = (object: KubeObject) => `${object.kind} ${object.apiVersion}`;
const one = <T extends KubeObject>(objects: KubeObject[], kind: string): T => {
  const found = objects.filter((object) => object.kind === kind);
  expect(found.map((object) => object.metadata.name)).toHaveLength(1);
  return found[0] as T;
};
/** A non-empty matchLabels (or Service selector) that `labels` satisfy. */
const selects = (match: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!match &&
  Object.keys(match).length > 0 &&
  Object.entries(match).every(([k, v]) => labels[k] === v);

describe('kustomize overlays (k8s/)', () => {
  const rendered = new Map<string, KubeObject[]>();
  let server: Promise<KubeApiServer>;

  beforeAll(async () => {
    // The API server starts while the overlays render and the offline checks run.
    server = startKubeApiServer();
    server.catch(() => undefined);
    await Promise.all(
      VARIANTS.map(async ({ name, components }) => {
        const objects = components.length
          ? await kustomizeWith(name.split(' ')[0], components)
          : await kustomize(join(K8S_DIR, name));
        rendered.set(name, objects);
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await (await server.catch(() => undefined))?.stop();
  }, 30_000);

  describe.each(VARIANTS)('$name', ({ name, mode, lifecycle = false }) => {
    const objects = () => rendered.get(name)!;
    const deployment = () => one<Deployment>(objects(), 'Deployment');
    const container = () => deployment().spec.template.spec.containers[0];
    const podLabels = () => deployment().spec.template.metadata.labels;
    const containerPort = (port: string | number | undefined) =>
      container().ports?.find((p) => p.name === port || p.containerPort === port);

    it('renders objects that each validate against their upstream OpenAPI schema (kubernetes-models)', async () => {
      expect(objects().length).toBeGreaterThan(0);
      const problems = (await Promise.all(objects().map(schemaProblems))).flat();
      expect(problems).toEqual([]);
    });

    it('runs 2+ non-root replicas on a read-only root filesystem, with resources, spread across zones', () => {
      const { spec } = deployment();
      const pod = spec.template.spec;
      expect(spec.replicas).toBeGreaterThanOrEqual(2);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(container().securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container().resources?.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container().resources?.limits?.memory).toEqual(expect.any(String));
      const zones = pod.topologySpreadConstraints?.find(
        (c) => c.topologyKey === 'topology.kubernetes.io/zone',
      );
      expect(zones && selects(zones.labelSelector.matchLabels, podLabels())).toBe(true);
      expect(
        pod.topologySpreadConstraints?.every((c) =>
          selects(c.labelSelector.matchLabels, podLabels()),
        ),
      ).toBe(true);
    });

    it('selects the router pods from the Deployment, Service, PodDisruptionBudget and NetworkPolicy, and scales the Deployment by CPU', () => {
      const { spec } = deployment();
      expect(selects(spec.selector.matchLabels, podLabels())).toBe(true);
      expect(selects(one<Service>(objects(), 'Service').spec.selector, podLabels())).toBe(true);
      const pdb = one<KubeObject & { spec: { selector: LabelSelector } }>(
        objects(),
        'PodDisruptionBudget',
      );
      expect(selects(pdb.spec.selector.matchLabels, podLabels())).toBe(true);
      const policy = one<KubeObject & { spec: { podSelector: LabelSelector } }>(
        objects(),
        'NetworkPolicy',
      );
      expect(selects(policy.spec.podSelector.matchLabels, podLabels())).toBe(true);
      const hpa = one<
        KubeObject & {
          spec: {
            scaleTargetRef: TargetRef & { apiVersion: string };
            minReplicas: number;
            metrics: { resource?: { name: string } }[];
          };
        }
      >(objects(), 'HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment().metadata.name,
      });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.metrics.map((m) => m.resource?.name)).toContain('cpu');
      if (mode === 'agent-sandbox') {
        // agent-sandbox's per-sandbox NetworkPolicy admits only these pods.
        expect(podLabels().app).toBe('sandbox-router');
        expect(deployment().metadata.namespace).toBe('agent-sandbox-system');
      }
    });

    it('probes /healthz and /readyz on declared container ports; the Service and NetworkPolicy name the router ports', () => {
      const { livenessProbe, readinessProbe } = container();
      expect(livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(containerPort(livenessProbe?.httpGet?.port)).toBeDefined();
      expect(containerPort(readinessProbe?.httpGet?.port)).toBeDefined();

      const service = one<Service>(objects(), 'Service');
      expect(service.metadata.name).toBe('sandbox-router-svc');
      const targets = Object.fromEntries(
        service.spec.ports.map((p) => [p.name, [p.port, containerPort(p.targetPort)?.name]]),
      );
      expect(targets.http).toEqual([8080, 'http']);
      expect(targets.metrics).toEqual([9090, 'admin']);
      if (mode === 'opensandbox') expect(targets.opensandbox).toEqual([28888, 'http']);
      expect(service.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'prometheus.io/path': '/metrics',
      });

      const policy = one<
        KubeObject & {
          spec: {
            ingress: {
              ports: { port: string | number }[];
              from?: { namespaceSelector?: object }[];
            }[];
          };
        }
      >(objects(), 'NetworkPolicy');
      const rule = (port: string) =>
        policy.spec.ingress.find((r) => r.ports.some((p) => containerPort(p.port)?.name === port));
      expect(rule('http')?.from).toBeUndefined();
      expect(rule('admin')?.from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]);
    });

    it("mounts a config directory that the router's own loader accepts with the Deployment's env", async () => {
      const env: Record<string, string> = {};
      const literal: Record<string, string> = {};
      for (const variable of container().env ?? []) {
        // A Secret's value is the operator's; any token stands in for it.
        if (variable.valueFrom?.secretKeyRef) env[variable.name] = 'token-from-the-secret';
        else if (variable.value !== undefined)
          env[variable.name] = literal[variable.name] = variable.value;
      }
      const path = configPathFrom({ argv: container().args ?? [], env });
      expect(path).toBeDefined();
      // A directory mount, never subPath: ConfigMap updates must reach a running pod.
      const mount = container().volumeMounts?.find((m) => m.mountPath === dirname(path!));
      expect(mount).toBeDefined();
      expect(mount!.subPath).toBeUndefined();
      const volume = deployment().spec.template.spec.volumes?.find((v) => v.name === mount!.name);
      expect(volume?.configMap?.items).toBeUndefined();
      const configMap = objects().find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name,
      ) as (KubeObject & { data: Record<string, string> }) | undefined;
      const text = configMap?.data[basename(path!)];
      expect(text).toEqual(expect.any(String));

      const dir = await mkdtemp(join(tmpdir(), 'router-config-'));
      try {
        const file = join(dir, basename(path!));
        await writeFile(file, text!);
        const load = (vars: Record<string, string>) =>
          loadRouterConfig({ env: { ...vars, ROUTER_CONFIG: file }, argv: [] });
        const { config, warnings } = load(env);
        expect(warnings).toEqual([]);
        // Without the optional Secret `sandbox-router-auth`: only agent-sandbox insists on a token.
        if (MODES[mode].needsToken) expect(() => load(literal)).toThrow(/auth\.token/);
        else expect(load(literal).config.auth.allowUnauthenticated).toBe(true);
        MODES[mode].expectConfig(config, parseYaml(text!) as Record<string, unknown>);
        expect([config.lifecycle.wake.enabled, config.lifecycle.keepAlive.enabled]).toEqual([
          lifecycle,
          lifecycle,
        ]);
        expect(containerPort('http')?.containerPort).toBe(config.port);
        expect(containerPort('admin')?.containerPort).toBe(config.adminPort);
        const { delaySeconds, graceSeconds } = config.shutdown;
        expect(deployment().spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
          delaySeconds + graceSeconds,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('sets the image through kustomize images:', async () => {
      const overlay = parseYaml(
        await readFile(join(K8S_DIR, 'overlays', mode, 'kustomization.yaml'), 'utf8'),
      ) as { images: { name: string; newName: string; newTag: string }[] };
      const [image] = overlay.images;
      expect(container().image).toBe(`${image.newName}:${image.newTag}`);
    });

    it("binds to the Deployment's service account only list and watch on what its providers read (and patch with the lifecycle component)", () => {
      const pod = deployment().spec.template.spec;
      const account = objects().find(
        (o) => o.kind === 'ServiceAccount' && o.metadata.name === pod.serviceAccountName,
      ) as (KubeObject & { automountServiceAccountToken?: boolean }) | undefined;
      expect(account?.metadata.namespace).toBe(MODES[mode].namespace);
      // No token in pods that never call the API server.
      expect(account?.automountServiceAccountToken).toBe(MODES[mode].reads.length > 0);

      const granted: Record<string, string[]> = {};
      const bindings = objects().filter((o) => o.kind.endsWith('RoleBinding')) as Binding[];
      for (const binding of bindings) {
        expect(binding.subjects).toEqual([
          {
            kind: 'ServiceAccount',
            name: account!.metadata.name,
            namespace: account!.metadata.namespace,
          },
        ]);
        const role = objects().find(
          (o) => o.kind === binding.roleRef.kind && o.metadata.name === binding.roleRef.name,
        ) as Role | undefined;
        expect(role).toBeDefined();
        for (const rule of role!.rules)
          for (const group of rule.apiGroups)
            for (const resource of rule.resources)
              granted[group ? `${resource}.${group}` : resource] = [...rule.verbs].sort();
      }
      const verbs = lifecycle ? ['list', 'patch', 'watch'] : ['list', 'watch'];
      expect(granted).toEqual(
        Object.fromEntries(MODES[mode].reads.map((resource) => [resource, verbs])),
      );
    });
  });

  describe('components/gke-gateway', () => {
    it.each(VARIANTS.filter((v) => v.name.includes('gateway')))(
      '$name: routes every request to the router Service, health-checks /healthz, in its namespace',
      ({ name }) => {
        const objects = rendered.get(name)!;
        const service = one<Service>(objects, 'Service');
        const namespace = service.metadata.namespace;
        const gateway = one(objects, 'Gateway');
        const route = one<
          KubeObject & {
            spec: {
              parentRefs: { name: string }[];
              rules: { matches?: unknown; backendRefs: { name: string; port: number }[] }[];
            };
          }
        >(objects, 'HTTPRoute');
        expect(route.spec.parentRefs).toEqual([{ name: gateway.metadata.name }]);
        expect(route.spec.rules).toHaveLength(1);
        expect(route.spec.rules[0].matches).toBeUndefined();
        const http = service.spec.ports.find((p) => p.name === 'http')!;
        expect(route.spec.rules[0].backendRefs).toEqual([
          { name: service.metadata.name, port: http.port },
        ]);
        const check = one<
          KubeObject & {
            spec: {
              targetRef: TargetRef;
              default: { config: { type: string; httpHealthCheck: { requestPath: string } } };
            };
          }
        >(objects, 'HealthCheckPolicy');
        expect(check.spec.default.config.type).toBe('HTTP');
        expect(check.spec.default.config.httpHealthCheck.requestPath).toBe('/healthz');
        const backend = one<KubeObject & { spec: { targetRef: TargetRef } }>(
          objects,
          'GCPBackendPolicy',
        );
        for (const policy of [check, backend])
          expect(policy.spec.targetRef).toMatchObject({
            kind: 'Service',
            name: service.metadata.name,
          });
        for (const object of [gateway, route, check, backend])
          expect(object.metadata.namespace).toBe(namespace);
      },
    );
  });

  describe('monitoring', () => {
    it.each(VARIANTS.filter((v) => v.components.includes('monitoring')))(
      "$name: the ServiceMonitor scrapes /metrics on the Service's metrics port (the admin port)",
      ({ name }) => {
        const objects = rendered.get(name)!;
        const service = one<Service>(objects, 'Service');
        const monitor = one<
          KubeObject & {
            spec: { selector: LabelSelector; endpoints: { port: string; path: string }[] };
          }
        >(objects, 'ServiceMonitor');
        expect(monitor.metadata.namespace).toBe(service.metadata.namespace);
        expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels ?? {})).toBe(
          true,
        );
        expect(monitor.spec.endpoints).toEqual([
          expect.objectContaining({ port: 'metrics', path: '/metrics' }),
        ]);
        expect(service.spec.ports.find((p) => p.name === 'metrics')).toMatchObject({
          port: 9090,
          targetPort: 'admin',
        });
      },
    );

    it('has a Grafana dashboard over the router series only, with the panels operators look at', async () => {
      const dashboard = JSON.parse(
        await readFile(join(K8S_DIR, 'monitoring', 'dashboard.json'), 'utf8'),
      ) as { uid: string; panels: { type: string; title: string; targets?: { expr: string }[] }[] };
      expect(dashboard.uid).toBe('sandbox-router');
      const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');
      const expressions = graphs.flatMap((panel) => panel.targets?.map((t) => t.expr) ?? []);
      const used = new Set(
        expressions.flatMap((expr) =>
          [...expr.matchAll(/\b(sandbox_router_\w+?)(?:_bucket|_sum|_count)?\b/g)].map((m) => m[1]),
        ),
      );
      expect([...used].filter((series) => !ROUTER_SERIES.includes(series))).toEqual([]);
      expect(ROUTER_SERIES.filter((series) => !used.has(series))).toEqual([]);
      expect(graphs.map((panel) => panel.title)).toEqual(
        expect.arrayContaining([
          'Request rate by kind and status class',
          'Latency p50 / p99 by kind',
          'Upstream errors by reason',
          'Open WebSockets',
          'Cached sandboxes by provider',
          'Watch events by provider and type',
          'Pool workers by state',
          'Wake attempts and held requests',
          'Keep-alive patches by outcome',
        ]),
      );
    });
  });

  describe('on a real kube-apiserver 1.20', () => {
    let kube: KubeApiServer;
    /** `Kind apiVersion` of every kind the server serves, from its discovery documents. */
    const served = new Set<string>();
    const modeObjects = (mode: string) => rendered.get(`overlays/${mode}`)!;
    const all = () => [...rendered.values()].flat();

    beforeAll(async () => {
      kube = await server;
      await applyCrds(kube);
      const versions = new Set(all().map((object) => object.apiVersion));
      await Promise.all(
        [...versions].map(async (version) => {
          const path = version.includes('/') ? `/apis/${version}` : `/api/${version}`;
          const list = await kube.kubectl(['get', '--raw', path]).catch(() => '{"resources":[]}');
          for (const resource of (JSON.parse(list) as { resources: { kind: string }[] }).resources)
            served.add(`${resource.kind} ${version}`);
        }),
      );
      // Each mode's identity for real, for `auth can-i`. agent-sandbox's namespace belongs to
      // its controller's installation, which would have created it.
      await kube.kubectl(['create', 'namespace', MODES['agent-sandbox'].namespace]);
      const identity = new Set([
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
      ]);
      for (const mode of MODE_NAMES) {
        const items = modeObjects(mode).filter((object) => identity.has(object.kind));
        await kube.kubectl(
          ['apply', '-f', '-'],
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
        );
      }
    }, 60_000);

    it.each(MODE_NAMES)(
      'accepts every %s object of a kind it serves on a server-side dry run',
      async (mode) => {
        const objects = modeObjects(mode).filter((object) => served.has(kindOf(object)));
        const output = await kube.kubectl(
          ['apply', '--dry-run=server', '-f', '-'],
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
        );
        const lines = output.trim().split('\n');
        expect(lines.filter((line) => line.endsWith('(server dry run)'))).toHaveLength(
          objects.length,
        );
        expect(objects.map((object) => object.kind)).toEqual(
          expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'NetworkPolicy']),
        );
      },
    );

    it(`leaves ${OFFLINE_ONLY.join(', ')} to the offline schemas: 1.20 does not serve them`, () => {
      const offline = new Set(
        all()
          .filter((o) => !served.has(kindOf(o)))
          .map(kindOf),
      );
      expect([...offline].sort()).toEqual(OFFLINE_ONLY);
    });

    it.each(MODE_NAMES)(
      "lets %s's service account list and watch exactly what its providers read, and read no Secret, write nothing, touch nothing else",
      async (mode) => {
        const { namespace, reads } = MODES[mode];
        const as = `--as=system:serviceaccount:${namespace}:sandbox-router`;

        // Every rule the identity holds in its namespace (cluster-wide ones included), less the
        // self-review rules every authenticated user has.
        const list = await kube.kubectl(['auth', 'can-i', '--list', as, '-n', namespace]);
        const rules = list
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(/\s{2,}/))
          .filter(([resource]) => resource && !resource.startsWith('selfsubject'))
          .map(([resource, , names, verbs]) => `${resource} ${names} ${verbs}`);
        expect(rules.sort()).toEqual(reads.map((resource) => `${resource} [] [list watch]`));

        // The same, spelt out: its reads allowed, their writes, Secrets and the rest refused.
        const others = [SANDBOXES, BATCH_SANDBOXES, 'endpointslices.discovery.k8s.io']
          .filter((resource) => !reads.includes(resource))
          .concat(['pods', 'configmaps']);
        const everywhere = '--all-namespaces';
        const own = `--namespace=${namespace}`;
        const checks: Check[] = [
          ...reads.flatMap((resource) => [
            ...['list', 'watch'].map((verb) => check(verb, resource, everywhere, true)),
            ...['get', 'create', 'update', 'patch', 'delete'].map((verb) =>
              check(verb, resource, everywhere, false),
            ),
          ]),
          check('list', 'secrets', everywhere, false),
          check('get', 'secrets', own, false),
          ...others.map((resource) => check('list', resource, everywhere, false)),
          check('create', 'pods', own, false),
        ];
        const answers = await mapLimit(checks, 8, ([verb, resource, scope]) =>
          canI(kube.kubeconfig, [verb, resource, scope, as]),
        );
        expect(
          checks.map(([verb, resource, scope], i) => `${verb} ${resource} ${scope}: ${answers[i]}`),
        ).toEqual(
          checks.map(
            ([verb, resource, scope, allowed]) => `${verb} ${resource} ${scope}: ${allowed}`,
          ),
        );
      },
    );

    // Last: it widens the modes' roles on the server.
    it.each(CR_MODES)(
      "with components/lifecycle, accepts every %s object on a dry run and lets it patch its provider's kind only",
      async (mode) => {
        const objects = rendered
          .get(`overlays/${mode} + components/lifecycle`)!
          .filter((object) => served.has(kindOf(object)));
        await kube.kubectl(
          ['apply', '--dry-run=server', '-f', '-'],
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
        );
        const roles = objects.filter((object) => object.kind.startsWith('ClusterRole'));
        await kube.kubectl(
          ['apply', '-f', '-'],
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items: roles }),
        );
        const { namespace, reads } = MODES[mode];
        const as = `--as=system:serviceaccount:${namespace}:sandbox-router`;
        const checks = [SANDBOXES, BATCH_SANDBOXES].flatMap((resource) => [
          check('patch', resource, '--all-namespaces', reads.includes(resource)),
          check('update', resource, '--all-namespaces', false),
          check('delete', resource, '--all-namespaces', false),
        ]);
        const answers = await mapLimit(checks, 6, ([verb, resource, scope]) =>
          canI(kube.kubeconfig, [verb, resource, scope, as]),
        );
        expect(checks.map(([verb, resource], i) => [verb, resource, answers[i]])).toEqual(
          checks.map(([verb, resource, , allowed]) => [verb, resource, allowed]),
        );
      },
    );
  });
});
