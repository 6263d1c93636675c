import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory of self-signed loopback certificates made with Debian's `openssl`. */
export class TlsFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'router-tls-'));

  /** Writes `<name>.crt` and `<name>.key` (CN = `name`, SAN 127.0.0.1 and localhost). */
  make(name: string): { cert: string; key: string } {
    const cert = join(this.dir, `${name}.crt`);
    const key = join(this.dir, `${name}.key`);
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        ...['-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert],
        ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      ],
      { stdio: 'ignore' },
    );
    return { cert, key };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port nothing listens on right now (for listeners whose port 0 means "off"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
