import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error.js';
import { PathRouteStrategy } from './path.strategy.js';

const at = (url: string | undefined) => ({ url, headers: {} }) as unknown as IncomingMessage;

const failure = (strategy: PathRouteStrategy, url: string): RouterError => {
  try {
    strategy.extract(at(url));
  } catch (error) {
    return error as RouterError;
  }
  throw new Error(`expected a RouterError for ${url}`);
};

describe('PathRouteStrategy', () => {
  describe('without a prefix (the OpenSandbox ingress cases)', () => {
    const strategy = new PathRouteStrategy({ prefix: '' });

    it('sends /my-sandbox/8080 to sandbox my-sandbox, port 8080, as /', () => {
      expect(strategy.extract(at('/my-sandbox/8080'))).toEqual({
        kind: 'path',
        sandboxId: 'my-sandbox',
        port: 8080,
        upstreamPath: '/',
        publicPrefix: '/my-sandbox/8080',
      });
    });

    it('keeps the rest of the path and the query', () => {
      expect(strategy.extract(at('/sb/8080/hello/world?a=1&b=2'))).toMatchObject({
        upstreamPath: '/hello/world?a=1&b=2',
      });
      expect(strategy.extract(at('/sb/8080?a=1'))).toMatchObject({ upstreamPath: '/?a=1' });
      expect(strategy.extract(at('/sb/8080/'))).toMatchObject({ upstreamPath: '/' });
    });

    it('passes encoded slashes and dots through raw', () => {
      expect(strategy.extract(at('/sb/8080/a%2Fb/%2E%2E?x=%2E'))).toMatchObject({
        upstreamPath: '/a%2Fb/%2E%2E?x=%2E',
      });
    });

    it.each([
      '/sb/08080',
      '/sb/99999',
      '/sb/0',
      '/sb/http',
      '/sb/',
      '/Bad_Id/8080',
      '//8080',
      '/sb%2D1/8080',
    ])('answers 400 ROUTE_INVALID for %s', (url) => {
      const error = failure(strategy, url);
      expect(error).toBeInstanceOf(RouterError);
      expect(error.code).toBe('ROUTE_INVALID');
      expect(error.detail).toBe('Invalid sandbox route path.');
    });

    // The router's own endpoints share this path space; a request naming no sandbox gets
    // them, or 400 ROUTE_MISSING, from the router.
    it.each(['', '/', '/healthz', '/status.ok', '/readyz?full=1', '*', undefined])(
      'names no sandbox for the empty or one-segment path %j',
      (url) => {
        expect(strategy.extract(at(url))).toBeUndefined();
      },
    );
  });

  describe('with prefix /sandboxes', () => {
    const strategy = new PathRouteStrategy({ prefix: '/sandboxes' });

    it('sends /sandboxes/sb/8080/a?b to sandbox sb as /a?b', () => {
      expect(strategy.extract(at('/sandboxes/sb/8080/a?b'))).toEqual({
        kind: 'path',
        sandboxId: 'sb',
        port: 8080,
        upstreamPath: '/a?b',
        publicPrefix: '/sandboxes/sb/8080',
      });
    });

    it.each(['/healthz', '/', '/sandboxesx/sb/8080', '/other/sandboxes/sb/8080'])(
      'names no sandbox for %s, outside the prefix',
      (url) => {
        expect(strategy.extract(at(url))).toBeUndefined();
      },
    );

    it.each(['/sandboxes', '/sandboxes/', '/sandboxes/sb', '/sandboxes/sb/08080', '/sandboxes?x'])(
      'answers 400 ROUTE_INVALID for %s, under the prefix but naming no sandbox',
      (url) => {
        expect(failure(strategy, url).code).toBe('ROUTE_INVALID');
      },
    );
  });
});
