import type { IncomingMessage } from 'node:http';
import { clientOffer, isWellFormed, upstreamHeaders } from './client-handshake.js';

const upgrade = (headers: Record<string, string> = {}, method = 'GET') =>
  ({
    method,
    headers: {
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...headers,
    },
  }) as unknown as IncomingMessage;

describe('isWellFormed', () => {
  it('accepts an RFC 6455 handshake', () => {
    expect(isWellFormed(upgrade())).toBe(true);
  });

  it.each([
    ['a POST', upgrade({}, 'POST')],
    ['a missing key', upgrade({ 'sec-websocket-key': '' })],
    ['a short key', upgrade({ 'sec-websocket-key': 'c2hvcnQ=' })],
    ['version 12', upgrade({ 'sec-websocket-version': '12' })],
    ['a repeated sub-protocol', upgrade({ 'sec-websocket-protocol': 'a, a' })],
    ['a sub-protocol that is not a token', upgrade({ 'sec-websocket-protocol': 'a b' })],
  ])('refuses %s', (_, req) => {
    expect(isWellFormed(req)).toBe(false);
  });
});

describe('clientOffer', () => {
  it('lists the offered sub-protocols in order and sees permessage-deflate among extensions', () => {
    const offer = clientOffer(
      upgrade({
        'sec-websocket-protocol': 'v2.kernel, v1.kernel',
        'sec-websocket-extensions': 'x-foo, permessage-deflate; client_max_window_bits',
      }),
    );
    expect(offer).toEqual({ protocols: ['v2.kernel', 'v1.kernel'], deflate: true });
  });

  it('offers nothing when the client offered nothing', () => {
    expect(clientOffer(upgrade())).toEqual({ protocols: [], deflate: false });
  });
});

describe('upstreamHeaders', () => {
  const headers = {
    host: 'router.example',
    origin: 'https://ide.example',
    cookie: 'a=1',
    'sec-websocket-key': 'k',
    'sec-websocket-version': '13',
    'sec-websocket-protocol': 'p',
    'sec-websocket-extensions': 'permessage-deflate',
  };

  it("drops the client leg's handshake headers, and keeps Origin and the rest", () => {
    expect(upstreamHeaders(headers, false)).toEqual({
      host: 'router.example',
      origin: 'https://ide.example',
      cookie: 'a=1',
    });
  });

  it('drops Origin with stripOrigin', () => {
    expect(upstreamHeaders(headers, true)).toEqual({ host: 'router.example', cookie: 'a=1' });
  });
});
