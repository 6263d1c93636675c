import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadRouterConfig } from './config.loader.js';

// Router auth must be settled for a config to load at all; most cases are about something else.
const OPEN = { ALLOW_UNAUTHENTICATED_ROUTER: 'true' };

const load = (env: Record<string, string | undefined> = {}, argv: string[] = []) =>
  loadRouterConfig({ env: { ...OPEN, ...env }, argv });

function problemsOf(env: Record<string, string | undefined>, argv: string[] = []): string[] {
  try {
    loadRouterConfig({ env, argv });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadRouterConfig', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'router-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('defaults', () => {
    it('gives every key its SPEC default when nothing is configured', () => {
      const { config, warnings } = load();
      expect(config).toMatchObject({
        port: 8080,
        adminPort: 9090,
        logLevel: 'info',
        trustedProxyCidrs: [],
        routing: { defaultNamespace: 'default', defaultPort: 8888, allowPodIp: false },
        resolution: { providers: ['dns'], dns: { clusterDomain: 'cluster.local' } },
        proxy: { timeoutSeconds: 180, maxKeepAliveConnections: 20, preserveHost: false },
      });
      expect(warnings).toEqual([]);
    });
  });

  describe('PROXY_TIMEOUT_SECONDS', () => {
    it('defaults to 180 seconds when unset', () => {
      expect(load({ PROXY_TIMEOUT_SECONDS: undefined }).config.proxy.timeoutSeconds).toBe(180);
    });

    it.each([
      ['5', 5],
      ['0.5', 0.5],
      ['600', 600],
    ])('takes %s from the environment', (raw, seconds) => {
      const { config, warnings } = load({ PROXY_TIMEOUT_SECONDS: raw });
      expect(config.proxy.timeoutSeconds).toBe(seconds);
      expect(warnings).toEqual([]);
    });

    it.each(['abc', '-1', '0', 'inf', 'Infinity', '', ' '])(
      'falls back to 180 with a warning for %j instead of refusing to start',
      (raw) => {
        const { config, warnings } = load({ PROXY_TIMEOUT_SECONDS: raw });
        expect(config.proxy.timeoutSeconds).toBe(180);
        expect(warnings).toEqual([expect.stringContaining('PROXY_TIMEOUT_SECONDS')]);
      },
    );

    it('restores the default once the variable is unset again', () => {
      expect(load({ PROXY_TIMEOUT_SECONDS: '5' }).config.proxy.timeoutSeconds).toBe(5);
      expect(load({}).config.proxy.timeoutSeconds).toBe(180);
    });
  });

  describe('CLUSTER_DOMAIN', () => {
    it('defaults to cluster.local', () => {
      expect(load().config.resolution.dns.clusterDomain).toBe('cluster.local');
    });

    it('takes an override from the environment', () => {
      const { config, warnings } = load({ CLUSTER_DOMAIN: 'corp.internal' });
      expect(config.resolution.dns.clusterDomain).toBe('corp.internal');
      expect(warnings).toEqual([]);
    });

    it('drops a trailing dot from a fully qualified domain', () => {
      expect(load({ CLUSTER_DOMAIN: 'corp.internal.' }).config.resolution.dns.clusterDomain).toBe(
        'corp.internal',
      );
    });

    it.each(['', '  '])('falls back to cluster.local with a warning when it is %j', (raw) => {
      const { config, warnings } = load({ CLUSTER_DOMAIN: raw });
      expect(config.resolution.dns.clusterDomain).toBe('cluster.local');
      expect(warnings).toEqual([expect.stringContaining('CLUSTER_DOMAIN')]);
    });
  });

  describe('router auth', () => {
    it('refuses to start without ROUTER_AUTH_TOKEN, naming auth.token', () => {
      const problems = problemsOf({});
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^auth\.token\b/);
      expect(problems[0]).toContain('ROUTER_AUTH_TOKEN');
    });

    it.each(['1', 'true', 't', 'yes', 'y', 'on', 'TRUE', 'Yes', 'ON', 'T', ' on '])(
      'starts unauthenticated when ALLOW_UNAUTHENTICATED_ROUTER is %j',
      (raw) => {
        const { config } = loadRouterConfig({
          env: { ALLOW_UNAUTHENTICATED_ROUTER: raw },
          argv: [],
        });
        expect(config.auth).toMatchObject({ mode: '', token: '', allowUnauthenticated: true });
      },
    );

    it.each(['0', 'false', 'no', 'off', '', 'enabled'])(
      'still refuses to start when ALLOW_UNAUTHENTICATED_ROUTER is %j',
      (raw) => {
        expect(problemsOf({ ALLOW_UNAUTHENTICATED_ROUTER: raw })).toEqual([
          expect.stringMatching(/^auth\.token\b/),
        ]);
      },
    );

    it('starts with a token, trimmed of surrounding whitespace', () => {
      const { config } = loadRouterConfig({ env: { ROUTER_AUTH_TOKEN: ' secret ' }, argv: [] });
      expect(config.auth.token).toBe('secret');
    });

    it('treats a whitespace-only token as no token', () => {
      expect(problemsOf({ ROUTER_AUTH_TOKEN: '   ' })).toEqual([
        expect.stringMatching(/^auth\.token\b/),
      ]);
    });

    it('refuses scoped-token mode with a SCOPED_TOKEN_SECRET under 32 bytes once trimmed', () => {
      const path = file('scoped.yaml', 'auth: {mode: scoped-token}');
      const short = ` ${'s'.repeat(31)} `;
      expect(problemsOf({ ROUTER_CONFIG: path, SCOPED_TOKEN_SECRET: short })).toEqual([
        expect.stringMatching(/^auth\.scopedTokenSecret\b.*at least 32 bytes/),
      ]);
      const { config } = loadRouterConfig({
        env: { ROUTER_CONFIG: path, SCOPED_TOKEN_SECRET: 's'.repeat(32) },
        argv: [],
      });
      expect(config.auth).toMatchObject({ mode: 'scoped-token' });
    });

    it.each([
      ['ab=c2VjcmV0', '"ab"'],
      ['A=c2VjcmV0', '"A"'],
      ['a=', '"a"'],
      ['a=not*base64', '"a"'],
      ['a=c2VjcmV0,a=b3RoZXI=', '"a": given twice'],
      ['a=c2VjcmV0,bc', '"bc"'],
    ])('refuses SECURE_ACCESS_KEYS=%j, naming the key', (raw, named) => {
      expect(problemsOf({ ...OPEN, SECURE_ACCESS_KEYS: raw })).toEqual([
        expect.stringMatching(/^auth\.secureAccessKeys\b/),
      ]);
      expect(problemsOf({ ...OPEN, SECURE_ACCESS_KEYS: raw })[0]).toContain(`key ${named}`);
    });

    it('accepts SECURE_ACCESS_KEYS with several one-character key ids', () => {
      const { config } = load({ SECURE_ACCESS_KEYS: 'a=c2VjcmV0, 7=b3RoZXI=' });
      expect(config.auth.secureAccessKeys).toBe('a=c2VjcmV0, 7=b3RoZXI=');
    });
  });

  describe('YAML file', () => {
    const yaml = [
      'port: 9000',
      'routing:',
      '  defaultNamespace: sandboxes',
      '  allowPodIp: true',
      'proxy: {timeoutSeconds: 30, preserveHost: true}',
    ].join('\n');

    it('reads the file named by --config', () => {
      const { config } = load({}, ['node', 'main.js', '--config', file('a.yaml', yaml)]);
      expect(config).toMatchObject({
        port: 9000,
        routing: { defaultNamespace: 'sandboxes', allowPodIp: true, defaultPort: 8888 },
        proxy: { timeoutSeconds: 30, preserveHost: true },
      });
    });

    it('reads the file named by --config=<path>', () => {
      const { config } = load({}, ['node', 'main.js', `--config=${file('b.yaml', yaml)}`]);
      expect(config.port).toBe(9000);
    });

    it('reads the file named by ROUTER_CONFIG', () => {
      const { config } = load({ ROUTER_CONFIG: file('c.yaml', yaml) });
      expect(config.routing.defaultNamespace).toBe('sandboxes');
    });

    it('prefers --config over ROUTER_CONFIG', () => {
      const { config } = load({ ROUTER_CONFIG: file('d.yaml', 'port: 1111') }, [
        '--config',
        file('e.yaml', 'port: 2222'),
      ]);
      expect(config.port).toBe(2222);
    });

    it('lets the environment win over the file', () => {
      const path = file(
        'f.yaml',
        [
          'port: 9000',
          'proxy: {timeoutSeconds: 30, maxKeepAliveConnections: 5}',
          'resolution: {dns: {clusterDomain: file.example}}',
          'auth: {token: from-file}',
        ].join('\n'),
      );
      const { config } = loadRouterConfig({
        env: {
          ROUTER_CONFIG: path,
          PORT: '7000',
          PROXY_TIMEOUT_SECONDS: '5',
          MAX_KEEPALIVE_CONNECTIONS: '0',
          CLUSTER_DOMAIN: 'corp.internal',
          ROUTER_AUTH_TOKEN: 'from-env',
          TRUSTED_PROXY_CIDRS: '10.0.0.0/8, 192.168.0.1',
          LOG_LEVEL: 'WARN',
        },
        argv: [],
      });
      expect(config).toMatchObject({
        port: 7000,
        logLevel: 'warn',
        trustedProxyCidrs: ['10.0.0.0/8', '192.168.0.1'],
        auth: { token: 'from-env' },
        proxy: { timeoutSeconds: 5, maxKeepAliveConnections: 0 },
        resolution: { dns: { clusterDomain: 'corp.internal' } },
      });
    });

    it('keeps the file value where the environment is silent', () => {
      const path = file('g.yaml', 'proxy: {timeoutSeconds: 30}');
      expect(load({ ROUTER_CONFIG: path }).config.proxy.timeoutSeconds).toBe(30);
    });

    it('treats an empty file as an empty configuration', () => {
      expect(load({ ROUTER_CONFIG: file('empty.yaml', '') }).config.port).toBe(8080);
    });

    it('names the file when it cannot be read', () => {
      const missing = join(dir, 'missing.yaml');
      expect(problemsOf({ ...OPEN, ROUTER_CONFIG: missing })).toEqual([
        expect.stringContaining(missing),
      ]);
    });

    it('names the file when it is not YAML or not a mapping', () => {
      const broken = file('broken.yaml', 'port: [1, 2');
      expect(problemsOf({ ...OPEN, ROUTER_CONFIG: broken })).toEqual([
        expect.stringContaining(broken),
      ]);
      const list = file('list.yaml', '- 1\n- 2\n');
      expect(problemsOf({ ...OPEN, ROUTER_CONFIG: list })).toEqual([
        expect.stringContaining('mapping'),
      ]);
    });
  });

  describe("SandboxFusion's config.yaml", () => {
    const SANDBOX_FUSION = [
      'workers:',
      '  - url: http://sandbox-0:8080',
      '  - url: http://sandbox-1:8080',
      'health_check_interval: 10',
      'timeout: 60',
      'routing_strategy: random',
      '',
    ].join('\n');

    it('loads unchanged as the worker pool', () => {
      const { config, warnings } = load({ ROUTER_CONFIG: file('sf.yaml', SANDBOX_FUSION) });
      expect(config.pool).toMatchObject({
        workers: [
          { url: 'http://sandbox-0:8080', weight: 1 },
          { url: 'http://sandbox-1:8080', weight: 1 },
        ],
        healthCheckIntervalSeconds: 10,
        timeoutSeconds: 60,
        strategy: 'random',
        maxAttempts: 3,
      });
      expect(warnings).toEqual([]);
    });

    it('reports keys neither router knows instead of dropping them silently', () => {
      const path = file('sf-extra.yaml', `${SANDBOX_FUSION}max_retries: 5\nport: 8000\n`);
      const { config, warnings } = load({ ROUTER_CONFIG: path });
      expect(config.port).toBe(8000);
      expect(warnings).toEqual([
        'config file: "max_retries" is not a sandbox-router or SandboxFusion key; ignored',
      ]);
    });

    it('names a bad SandboxFusion value by the pool key it became', () => {
      const path = file(
        'sf-bad.yaml',
        'workers: [{url: "not a url"}]\nrouting_strategy: fastest\n',
      );
      const problems = problemsOf({ ...OPEN, ROUTER_CONFIG: path });
      expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
        'pool.strategy',
        'pool.workers.0.url',
      ]);
    });
  });

  describe('invalid configuration', () => {
    it('reports one line per problem, each naming its key', () => {
      const path = file(
        'bad.yaml',
        [
          'routing: {defaultPort: 0, defaultNamespace: "Not Valid"}',
          'proxy: {maxKeepAliveConnections: -1}',
          'trustedProxyCidrs: [10.0.0.0/33]',
        ].join('\n'),
      );
      const problems = problemsOf({ ...OPEN, ROUTER_CONFIG: path, PORT: 'notaport' });
      expect(problems).toHaveLength(5);
      const keys = problems.map((line) => line.split(/[ :]/)[0]).sort();
      expect(keys).toEqual([
        'port',
        'proxy.maxKeepAliveConnections',
        'routing.defaultNamespace',
        'routing.defaultPort',
        'trustedProxyCidrs.0',
      ]);
      for (const line of problems) expect(line).not.toContain('\n');
    });

    it('reports a missing token alongside the other problems', () => {
      const path = file('port0-no-token.yaml', 'routing: {defaultPort: 0}');
      const problems = problemsOf({ ROUTER_CONFIG: path, PORT: 'notaport' });
      expect(problems.map((line) => line.split(/[ :]/)[0]).sort()).toEqual([
        'auth.token',
        'port',
        'routing.defaultPort',
      ]);
    });

    it('says which environment variable a bad value came from', () => {
      expect(problemsOf({ ...OPEN, PORT: 'notaport' })).toEqual([
        expect.stringMatching(/^port \(from PORT\): /),
      ]);
      expect(problemsOf({ ...OPEN, ADMIN_PORT: '70000' })).toEqual([
        expect.stringMatching(/^adminPort \(from ADMIN_PORT\): /),
      ]);
    });

    it('rejects a YAML routing.defaultPort of 0', () => {
      const path = file('port0.yaml', 'routing: {defaultPort: 0}');
      expect(problemsOf({ ...OPEN, ROUTER_CONFIG: path })).toEqual([
        expect.stringMatching(/^routing\.defaultPort: /),
      ]);
    });

    it('rejects an unknown key, naming it', () => {
      const path = file('unknown.yaml', 'proxy: {timeoutSecs: 5}\nbogus: true');
      const problems = problemsOf({ ...OPEN, ROUTER_CONFIG: path });
      expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
        'bogus',
        'proxy.timeoutSecs',
      ]);
    });

    it('rejects an unknown log level', () => {
      expect(problemsOf({ ...OPEN, LOG_LEVEL: 'loud' })).toEqual([
        expect.stringMatching(/^logLevel \(from LOG_LEVEL\): /),
      ]);
    });
  });
});
