import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const ENTRY = join(ROOT, 'dist/main.js');
/** A process that does not exit by then started listening: its config was accepted. */
const EXIT_DEADLINE_MS = 15_000;

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs the built entry point with exactly this environment and waits for it to exit. */
function runRouter(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [ENTRY], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the router did not exit within ${EXIT_DEADLINE_MS} ms: ${stderr}`));
    }, EXIT_DEADLINE_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stderr });
    });
  });
}

const lines = (stderr: string) => stderr.split('\n');

/** SPEC §7: an invalid configuration exits non-zero with one line per problem naming the key. */
describe('start-up with an invalid configuration', () => {
  let dir: string;
  let portZeroFile: string;

  beforeAll(() => {
    if (!existsSync(ENTRY)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'router-startup-'));
    portZeroFile = join(dir, 'router.yaml');
    writeFileSync(portZeroFile, 'routing: {defaultPort: 0}\n');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const OPEN = { ALLOW_UNAUTHENTICATED_ROUTER: 'true' };

  describe.each([
    ['with logging on', {}],
    ['with LOG_LEVEL=off', { LOG_LEVEL: 'off' }],
  ])('%s', (_label, logging: Record<string, string>) => {
    it('exits non-zero naming port for PORT=notaport', async () => {
      const { code, stderr } = await runRouter({ ...OPEN, ...logging, PORT: 'notaport' });
      expect(code).not.toBe(0);
      expect(lines(stderr)).toContainEqual(expect.stringMatching(/^port\b.*PORT/));
    });

    it('exits non-zero naming routing.defaultPort for a YAML defaultPort of 0', async () => {
      const { code, stderr } = await runRouter({
        ...OPEN,
        ...logging,
        PORT: '0',
        ROUTER_CONFIG: portZeroFile,
      });
      expect(code).not.toBe(0);
      expect(lines(stderr)).toContainEqual(expect.stringMatching(/^routing\.defaultPort\b/));
    });

    it('exits non-zero naming auth.token without a token or ALLOW_UNAUTHENTICATED_ROUTER', async () => {
      const { code, stderr } = await runRouter({ ...logging, PORT: '0' });
      expect(code).not.toBe(0);
      expect(lines(stderr)).toContainEqual(expect.stringMatching(/^auth\.token\b/));
    });
  });
});
