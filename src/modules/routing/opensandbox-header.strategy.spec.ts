import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error.js';
import { OpenSandboxHeaderRouteStrategy } from './opensandbox-header.strategy.js';

const strategy = new OpenSandboxHeaderRouteStrategy();
const withHeaders = (headers: Record<string, string>) =>
  ({ headers }) as unknown as IncomingMessage;

const failure = (headers: Record<string, string>): RouterError => {
  try {
    strategy.extract(withHeaders(headers));
  } catch (error) {
    return error as RouterError;
  }
  throw new Error('expected a RouterError');
};

describe('OpenSandboxHeaderRouteStrategy', () => {
  it('reads OpenSandbox-Ingress-To: my-sandbox-8080 as sandbox my-sandbox, port 8080', () => {
    expect(strategy.extract(withHeaders({ 'opensandbox-ingress-to': 'my-sandbox-8080' }))).toEqual({
      kind: 'header',
      sandboxId: 'my-sandbox',
      port: 8080,
    });
  });

  it('prefers OpenSandbox-Ingress-To over the deprecated OPEN-SANDBOX-INGRESS', () => {
    const key = strategy.extract(
      withHeaders({ 'opensandbox-ingress-to': 'new-1', 'open-sandbox-ingress': 'old-2' }),
    );
    expect(key).toMatchObject({ sandboxId: 'new', port: 1 });
  });

  it('falls back to OPEN-SANDBOX-INGRESS when the current header is absent or empty', () => {
    expect(strategy.extract(withHeaders({ 'open-sandbox-ingress': 'old-2' }))).toMatchObject({
      sandboxId: 'old',
      port: 2,
    });
    expect(
      strategy.extract(
        withHeaders({ 'opensandbox-ingress-to': '', 'open-sandbox-ingress': 'old-2' }),
      ),
    ).toMatchObject({ sandboxId: 'old' });
  });

  it('takes the first label of a whole host, scheme included', () => {
    const key = strategy.extract(
      withHeaders({ 'opensandbox-ingress-to': 'https://alpha-beta-8080.sandbox.test' }),
    );
    expect(key).toMatchObject({ sandboxId: 'alpha-beta', port: 8080 });
  });

  it('keeps the expiry and signature of a signed route for the access check', () => {
    const key = strategy.extract(
      withHeaders({ 'opensandbox-ingress-to': 'sb-9090-1a2b3c-01234567a' }),
    );
    expect(key).toEqual({
      kind: 'header',
      sandboxId: 'sb',
      port: 9090,
      expiresB36: '1a2b3c',
      signature: '01234567a',
    });
  });

  it('names no sandbox when neither header is sent', () => {
    expect(strategy.extract(withHeaders({ host: 'sb-8080.example.com' }))).toBeUndefined();
  });

  it.each(['invalidhost', '-1234.example.com', 'sb-08080', 'sb-99999', 'a-1, b-2'])(
    'answers 400 ROUTE_INVALID for OpenSandbox-Ingress-To: %s',
    (value) => {
      const error = failure({ 'opensandbox-ingress-to': value });
      expect(error).toBeInstanceOf(RouterError);
      expect(error.code).toBe('ROUTE_INVALID');
      expect(error.status).toBe(400);
      expect(error.detail).toBe('Invalid OpenSandbox-Ingress-To header.');
    },
  );

  it('names the deprecated header in its 400 detail', () => {
    expect(failure({ 'open-sandbox-ingress': 'nope' }).detail).toBe(
      'Invalid OPEN-SANDBOX-INGRESS header.',
    );
  });

  it('consumes both headers so neither reaches the sandbox', () => {
    expect(strategy.headers).toEqual(['opensandbox-ingress-to', 'open-sandbox-ingress']);
  });
});
