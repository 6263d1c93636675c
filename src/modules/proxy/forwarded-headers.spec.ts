import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  type ForwardingFacts,
  requestIdOf,
  rewriteRequestHeaders,
  rewriteResponseHeaders,
} from './forwarded-headers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const facts = (overrides: Partial<ForwardingFacts> = {}): ForwardingFacts => ({
  requestId: 'req-1',
  peer: '192.0.2.10',
  peerTrusted: false,
  consumed: new Set(['x-sandbox-id', 'x-sandbox-port', 'authorization']),
  preserveHost: false,
  ...overrides,
});

function rewritten(headers: IncomingHttpHeaders, overrides: Partial<ForwardingFacts> = {}) {
  return rewriteRequestHeaders(headers, facts(overrides));
}

describe('requestIdOf', () => {
  const withId = (id?: string | string[]) =>
    ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;

  it("passes the client's X-Request-ID through", () => {
    expect(requestIdOf(withId('abc-123'))).toBe('abc-123');
  });

  it('generates a UUID when the client sent none', () => {
    expect(requestIdOf(withId())).toMatch(UUID);
    expect(requestIdOf(withId())).not.toBe(requestIdOf(withId()));
  });

  it('generates a UUID instead of an empty or oversized id', () => {
    expect(requestIdOf(withId(''))).toMatch(UUID);
    expect(requestIdOf(withId('x'.repeat(201)))).toMatch(UUID);
    expect(requestIdOf(withId('x'.repeat(200)))).toBe('x'.repeat(200));
  });
});

describe('rewriteRequestHeaders', () => {
  it('removes every hop-by-hop header and Expect', () => {
    const headers = rewritten({
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      'proxy-authenticate': 'Basic',
      'proxy-authorization': 'Basic abc',
      te: 'trailers',
      trailer: 'x-checksum',
      upgrade: 'h2c',
      expect: '100-continue',
      accept: 'text/plain',
    });
    for (const name of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'proxy-authenticate',
      'proxy-authorization',
      'te',
      'trailer',
      'upgrade',
      'expect',
    ]) {
      expect(headers).not.toHaveProperty(name);
    }
    expect(headers.accept).toBe('text/plain');
  });

  it('removes every header the Connection header nominates', () => {
    const headers = rewritten({
      connection: 'X-Foo, x-bar ,keep-alive',
      'x-foo': '1',
      'x-bar': '2',
    });
    expect(headers).not.toHaveProperty('x-foo');
    expect(headers).not.toHaveProperty('x-bar');
  });

  it('never lets Connection nominate Content-Length away', () => {
    const headers = rewritten({ connection: 'content-length', 'content-length': '5' });
    expect(headers['content-length']).toBe('5');
  });

  it('removes the headers the router consumed (routing keys, its own Authorization)', () => {
    const headers = rewritten({
      'x-sandbox-id': 'a',
      'x-sandbox-port': '80',
      authorization: 'Bearer t',
      'x-other': 'kept',
    });
    for (const name of ['x-sandbox-id', 'x-sandbox-port', 'authorization']) {
      expect(headers).not.toHaveProperty(name);
    }
    expect(headers['x-other']).toBe('kept');
  });

  it("takes the browser-session cookie out of Cookie and keeps the client's others", () => {
    const session = { sessionCookie: 'sandbox_session' };
    expect(rewritten({ cookie: 'a=1; sandbox_session=tok; b=2' }, session).cookie).toBe('a=1; b=2');
    expect(rewritten({ cookie: 'sandbox_session=tok' }, session)).not.toHaveProperty('cookie');
    expect(rewritten({ cookie: 'sandbox_session=tok' }).cookie).toBe('sandbox_session=tok');
  });

  it('drops Transfer-Encoding: the upstream leg is framed anew', () => {
    expect(rewritten({ 'transfer-encoding': 'chunked' })).not.toHaveProperty('transfer-encoding');
  });

  it("sends the target's authority instead of the client's Host unless preserveHost", () => {
    expect(rewritten({ host: 'router.test' })).not.toHaveProperty('host');
    expect(rewritten({ host: 'router.test' }, { preserveHost: true }).host).toBe('router.test');
  });

  it("replaces an untrusted peer's X-Forwarded-* with what the router saw", () => {
    const headers = rewritten({
      host: 'router.test',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'spoofed.test',
    });
    expect(headers).toMatchObject({
      'x-forwarded-for': '192.0.2.10',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'router.test',
    });
  });

  it("appends the peer to a trusted proxy's X-Forwarded-For and keeps its proto and host", () => {
    const headers = rewritten(
      {
        host: 'internal.test',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'public.test',
      },
      { peerTrusted: true },
    );
    expect(headers).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 192.0.2.10',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'public.test',
    });
  });

  it('starts X-Forwarded-For with the peer when a trusted proxy sent none', () => {
    expect(rewritten({ host: 'h' }, { peerTrusted: true })['x-forwarded-for']).toBe('192.0.2.10');
  });

  it('sets no X-Forwarded-Host when there is no Host', () => {
    expect(rewritten({ 'x-forwarded-host': 'spoofed.test' })).not.toHaveProperty(
      'x-forwarded-host',
    );
  });

  it('sets X-Request-ID to the request id', () => {
    expect(rewritten({ 'x-request-id': 'other' }, { requestId: 'req-9' })['x-request-id']).toBe(
      'req-9',
    );
  });
});

describe('rewriteResponseHeaders', () => {
  it('removes hop-by-hop headers, the ones Connection nominates and Transfer-Encoding', () => {
    const headers: IncomingHttpHeaders = {
      connection: 'X-Bar',
      'x-bar': '1',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      'content-type': 'text/plain',
    };
    expect(rewriteResponseHeaders(headers)).toEqual({ 'content-type': 'text/plain' });
  });

  it('keeps Expect, which only a request can carry', () => {
    const headers: IncomingHttpHeaders = { expect: 'x' };
    expect(rewriteResponseHeaders(headers).expect).toBe('x');
  });
});
