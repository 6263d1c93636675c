import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort } from './raw-upstream.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/k8s-apiserver.sh');
export const CRDS = join(ROOT, 'k8s/crds');

/** A real kube-apiserver + etcd on 127.0.0.1, private to one test file. */
export interface KubeApiServer {
  readonly kubeconfig: string;
  kubectl(args: string[], input?: string): Promise<string>;
  /** Kills the kube-apiserver process only; etcd keeps running with its data. */
  killApiServer(): Promise<void>;
  /** Starts whichever of the two processes is not running, and waits for /readyz. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `scripts/k8s-apiserver.sh start` with its own state directory and free ports. Fails (never
 * skips) when the server is not installed: `bash scripts/k8s-apiserver.sh install` first.
 */
export async function startKubeApiServer(): Promise<KubeApiServer> {
  const run = await mkdtemp(join(tmpdir(), 'k8s-test-'));
  const [k8s, etcd, peer] = await Promise.all([closedPort(), closedPort(), closedPort()]);
  const env = {
    ...process.env,
    K8S_RUN: run,
    K8S_PORT: String(k8s),
    ETCD_PORT: String(etcd),
    ETCD_PEER_PORT: String(peer),
    K8S_NO_BUILD: '1',
  };
  const kubeconfig = join(run, 'kubeconfig');
  const script = (command: string) => runScript(command, env);
  const server: KubeApiServer = {
    kubeconfig,
    kubectl: (args, input) => kubectl(kubeconfig, args, input),
    start: () => script('start'),
    stop: async () => {
      await script('stop');
      await rm(run, { recursive: true, force: true });
    },
    async killApiServer() {
      const pid = Number(await readFile(join(run, 'apiserver.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
  };
  await server.start();
  return server;
}

/** Applies k8s/crds and waits until the API serves them. */
export async function applyCrds(server: KubeApiServer): Promise<void> {
  await server.kubectl(['apply', '-f', CRDS]);
  await server.kubectl(['wait', '--for', 'condition=Established', '--timeout=30s', 'crd', '--all']);
}

function runScript(command: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`k8s-apiserver.sh ${command} failed (exit ${code}):\n${output}`)),
    );
  });
}

function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`))
          : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
