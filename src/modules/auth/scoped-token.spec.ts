import { createHmac } from 'node:crypto';
import { ScopedTokenVerifier } from './scoped-token.js';

const SECRET = 'scoped-token-secret-0123456789abcdef';

/** The agent-sandbox format of SPEC §9, written out here independently of the code under test. */
function token(claims: object, secret = SECRET, payloadJson = JSON.stringify(claims)): string {
  const payload = Buffer.from(payloadJson).toString('base64url');
  const sig = createHmac('sha256', secret)
    .update(`agent-sandbox/scoped-token/v1.${payload}`)
    .digest('base64url');
  return `v1.${payload}.${sig}`;
}

describe('ScopedTokenVerifier', () => {
  const verifier = new ScopedTokenVerifier(SECRET);

  it('accepts a vector written out by hand', () => {
    // {"ns":"team-a","name":"my-sandbox","exp":1800000000} signed with SECRET.
    const literal =
      'v1.eyJucyI6InRlYW0tYSIsIm5hbWUiOiJteS1zYW5kYm94IiwiZXhwIjoxODAwMDAwMDAwfQ.' +
      'nzLcBGFEBWNwuQJIXEooADsN4KuMKu7V4dKlUjztfMc';
    expect(literal).toBe(token({ ns: 'team-a', name: 'my-sandbox', exp: 1800000000 }));
    expect(verifier.verify(literal)).toEqual({ ns: 'team-a', name: 'my-sandbox', exp: 1800000000 });
  });

  it('accepts a token computed from the formula, and answers the same again from its cache', () => {
    const good = token({ ns: 'default', name: 'sb', exp: 42 });
    expect(verifier.verify(good)).toEqual({ ns: 'default', name: 'sb', exp: 42 });
    expect(verifier.verify(good)).toBe(verifier.verify(good));
  });

  it.each([
    ['another secret', token({ ns: 'a', name: 'b', exp: 1 }, 'another-secret-0123456789abcdefgh')],
    ['a changed payload', token({ ns: 'a', name: 'b', exp: 1 }).replace('v1.eyJ', 'v1.eyK')],
    ['a v2 prefix', token({ ns: 'a', name: 'b', exp: 1 }).replace(/^v1/, 'v2')],
    ['a missing part', token({ ns: 'a', name: 'b', exp: 1 }).split('.').slice(0, 2).join('.')],
    ['an extra part', `${token({ ns: 'a', name: 'b', exp: 1 })}.x`],
    ['padding on the signature', `${token({ ns: 'a', name: 'b', exp: 1 })}=`],
    ['no exp', token({ ns: 'a', name: 'b' })],
    ['a string exp', token({ ns: 'a', name: 'b', exp: '1' })],
    ['an empty name', token({ ns: 'a', name: '', exp: 1 })],
    ['a payload that is not JSON', token({}, SECRET, 'not json')],
    ['a JSON null payload', token({}, SECRET, 'null')],
    ['an empty string', ''],
    ['garbage', 'v1.%%%.%%%'],
  ])('refuses %s', (_case, bad) => {
    expect(typeof verifier.verify(bad)).toBe('string');
  });

  it('keeps at most 1024 verified tokens, the oldest going first', () => {
    const small = new ScopedTokenVerifier(SECRET);
    const first = token({ ns: 'a', name: 'b', exp: 0 });
    const claims = small.verify(first);
    for (let i = 1; i <= 1024; i++) small.verify(token({ ns: 'a', name: 'b', exp: i }));
    // Verified afresh (a new object): it had left the cache.
    expect(small.verify(first)).not.toBe(claims);
    expect(small.verify(first)).toEqual(claims);
  });
});
