import { createHash } from 'node:crypto';
import { routeSignatureHex } from './route-signature.js';

/** The formula of SPEC §9, written out here independently of the code under test. */
function expectedHex(secret: Buffer, id: string, port: number, expiresB36: string): string {
  const canonical = Buffer.from(`v1\nshort\n${id}\n${port}\n${expiresB36}\n`);
  const be32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const input = Buffer.concat([be32(secret.length), secret, be32(canonical.length), canonical]);
  return createHash('sha256').update(input).digest('hex').slice(0, 8);
}

describe('routeSignatureHex', () => {
  it('matches a vector written out by hand', () => {
    // Key `a=cm91dGUtc2lnbmluZy1rZXktYQ==` ("route-signing-key-a"), my-sandbox port 8080,
    // expires t5v4k0 (1763369424): label my-sandbox-8080-t5v4k0-17468e95a.
    const secret = Buffer.from('cm91dGUtc2lnbmluZy1rZXktYQ==', 'base64');
    const hex = routeSignatureHex(secret, {
      sandboxId: 'my-sandbox',
      port: 8080,
      expiresB36: 't5v4k0',
    });
    expect(hex).toBe('17468e95');
  });

  it.each([
    ['a short key', Buffer.from('k'), 'sb', 1, '0'],
    ['a long binary key', Buffer.alloc(300, 0xfe), 'a-b-c', 65535, 'zzzzzzzzzzzzz'],
    ['a hyphenated id', Buffer.from('secret'), 'my-long-sandbox-name', 443, '1abc'],
  ])('agrees with the formula for %s', (_case, secret, id, port, expiresB36) => {
    expect(routeSignatureHex(secret, { sandboxId: id, port, expiresB36 })).toBe(
      expectedHex(secret, id, port, expiresB36),
    );
  });

  it('depends on every signed field', () => {
    const secret = Buffer.from('secret');
    const base = routeSignatureHex(secret, { sandboxId: 'sb', port: 80, expiresB36: 'abc' });
    for (const other of [
      routeSignatureHex(Buffer.from('secreT'), { sandboxId: 'sb', port: 80, expiresB36: 'abc' }),
      routeSignatureHex(secret, { sandboxId: 'sc', port: 80, expiresB36: 'abc' }),
      routeSignatureHex(secret, { sandboxId: 'sb', port: 81, expiresB36: 'abc' }),
      routeSignatureHex(secret, { sandboxId: 'sb', port: 80, expiresB36: 'abd' }),
    ]) {
      expect(other).not.toBe(base);
    }
  });
});
