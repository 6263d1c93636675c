import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, type Exit, exitWithin, spawnRouter } from '../support/router-process.js';

/** A process that does not exit by then started listening: its config was accepted. */
const EXIT_DEADLINE_MS = 15_000;

/** Runs the built entry point with exactly this environment and waits for it to exit. */
const runRouter = (env: Record<string, string>): Promise<Exit> =>
  exitWithin(spawnRouter(env), EXIT_DEADLINE_MS);

const lines = (stderr: string) => stderr.split('\n');

/** SPEC §7: an invalid configuration exits non-zero with one line per problem naming the key. */
describe('start-up with an invalid configuration', () => {
  let dir: string;
  let portZeroFile: string;

  beforeAll(() => {
    ensureBuilt();
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
