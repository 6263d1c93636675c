import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from './http-client.js';
import { closedPort } from './raw-upstream.js';
import { until } from './wait.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const ENTRY = join(ROOT, 'dist/main.js');

export interface Exit {
  code: number | null;
  stderr: string;
}

export interface RouterProcess {
  child: ChildProcess;
  /** Everything it has written to stdout so far (the JSON log lines). */
  stdout(): string;
  /** Settles when the process exits, with its code and everything it wrote to stderr. */
  exited: Promise<Exit>;
}

/** Builds dist/ once if it is missing (CI builds before testing). */
export function ensureBuilt(): void {
  if (!existsSync(ENTRY)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

/** The built entry point (`node dist/main.js`) with exactly this environment. */
export function spawnRouter(env: Record<string, string>): RouterProcess {
  const child = spawn(NODE, [ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
  return { child, stdout: () => stdout, exited };
}

/** Waits for the exit, killing the process if it has not exited by the deadline. */
export async function exitWithin(router: RouterProcess, deadlineMs: number): Promise<Exit> {
  const timer = setTimeout(() => router.child.kill('SIGKILL'), deadlineMs);
  try {
    const exit = await router.exited;
    if (exit.code === null) throw new Error(`no exit within ${deadlineMs} ms: ${exit.stderr}`);
    return exit;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The built router on a free port with the config file `config` (router auth off, no admin
 * port), once `/readyz` says ready. The caller stops it.
 */
export async function spawnReadyRouter(config: string): Promise<RouterProcess & { base: string }> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const router = spawnRouter({
    ROUTER_CONFIG: config,
    PORT: String(port),
    ADMIN_PORT: '0',
    ALLOW_UNAUTHENTICATED_ROUTER: '1',
  });
  try {
    await until(async () => (await request(base, '/readyz')).status === 200, 15_000);
  } catch (error) {
    router.child.kill('SIGKILL');
    throw error;
  }
  return { ...router, base };
}
