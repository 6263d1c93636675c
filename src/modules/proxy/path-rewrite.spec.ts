import type { IncomingHttpHeaders } from 'node:http';
import type { Target } from '../resolution/sandbox.resolver.js';
import type { RouteKey } from '../routing/route-key.js';
import {
  type PathRewrite,
  pathRewriteFor,
  rewriteCookiePath,
  rewriteLocation,
  rewriteResponsePaths,
} from './path-rewrite.js';

const MOUNT = '/p/sb/8080';
const rewrite: PathRewrite = {
  publicPrefix: MOUNT,
  authorities: new Set(['127.0.0.1:9001', 'router.example.com']),
};

describe('rewriteLocation', () => {
  it.each([
    ['/login', `${MOUNT}/login`],
    ['/', `${MOUNT}/`],
    ['/a%2Fb?next=/x#top', `${MOUNT}/a%2Fb?next=/x#top`],
    ['http://127.0.0.1:9001/login?x=1', `${MOUNT}/login?x=1`],
    ['HTTP://127.0.0.1:9001', `${MOUNT}/`],
    ['http://127.0.0.1:9001?x', `${MOUNT}/?x`],
    ['//127.0.0.1:9001/x', `${MOUNT}/x`],
    ['https://Router.Example.com:443/x', `${MOUNT}/x`],
    ['http://router.example.com/x', `${MOUNT}/x`],
  ])('puts %j back under the mount', (location, expected) => {
    expect(rewriteLocation(location, rewrite)).toBe(expected);
  });

  it.each([
    'login',
    '../up',
    '?page=2',
    'https://accounts.example.org/auth',
    'http://127.0.0.1:9002/x',
    '//elsewhere.test/x',
    'mailto:someone@example.com',
    'http://user@127.0.0.1:9001/x',
  ])('leaves %j alone', (location) => {
    expect(rewriteLocation(location, rewrite)).toBe(location);
  });
});

describe('rewriteCookiePath', () => {
  it.each([
    ['sid=1; Path=/', `sid=1; Path=${MOUNT}`],
    ['sid=1; path=/api; HttpOnly', `sid=1; path=${MOUNT}/api; HttpOnly`],
    ['sid=1;Path=/a/;Secure', `sid=1;Path=${MOUNT}/a/;Secure`],
    ['sid=1; HttpOnly; PATH = /x ', `sid=1; HttpOnly; PATH = ${MOUNT}/x `],
  ])('rewrites %j', (cookie, expected) => {
    expect(rewriteCookiePath(cookie, MOUNT)).toBe(expected);
  });

  it.each(['sid=1', 'sid=1; HttpOnly', 'sid=1; Path=relative', 'path=/x; Secure', 'sid=1; Path='])(
    'leaves %j alone (no absolute Path attribute)',
    (cookie) => {
      expect(rewriteCookiePath(cookie, MOUNT)).toBe(cookie);
    },
  );
});

describe('rewriteResponsePaths', () => {
  it('rewrites Location and every Set-Cookie in place, and nothing else', () => {
    const headers: IncomingHttpHeaders = {
      location: '/next',
      'set-cookie': ['a=1; Path=/', 'b=2'],
      'content-location': '/other',
    };
    rewriteResponsePaths(headers, rewrite);
    expect(headers).toEqual({
      location: `${MOUNT}/next`,
      'set-cookie': [`a=1; Path=${MOUNT}`, 'b=2'],
      'content-location': '/other',
    });
  });
});

describe('pathRewriteFor', () => {
  const key: RouteKey = { kind: 'path', sandboxId: 'sb', port: 8080, publicPrefix: MOUNT };
  const target: Target = {
    url: new URL('http://Sandbox.Local:80/base'),
    source: 'static',
    identity: 'static/sb',
  };

  it('knows the upstream authority and the public host as the sandbox', () => {
    const found = pathRewriteFor(key, target, {
      host: 'Router:8080',
      'x-forwarded-host': 'public.example.com, edge',
    });
    expect(found?.publicPrefix).toBe(MOUNT);
    expect([...(found?.authorities ?? [])]).toEqual([
      'sandbox.local',
      'router:8080',
      'public.example.com',
    ]);
  });

  it('is undefined for routes that are not path-routed', () => {
    expect(pathRewriteFor({ kind: 'host', sandboxId: 'sb', port: 1 }, target, {})).toBeUndefined();
  });
});
