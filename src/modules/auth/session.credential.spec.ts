import {
  cookieValue,
  queryValue,
  SessionCredential,
  withoutCookie,
  withoutQueryParam,
} from './session.credential.js';

describe('session credential carriers', () => {
  it.each([
    ['a=1; sandbox_session=tok; b=2', 'tok'],
    ['sandbox_session=tok', 'tok'],
    ['sandbox_session="tok"', 'tok'],
    ['sandbox_session=a%20b%3Bc', 'a b;c'],
    ['  sandbox_session = tok ', 'tok'],
    ['sandbox_session=first; sandbox_session=second', 'first'],
    ['other=1', undefined],
    ['xsandbox_session=tok', undefined],
    ['sandbox_session=%E0%A4%A', undefined],
  ])('reads the session cookie of %j', (header, value) => {
    expect(cookieValue(header, 'sandbox_session')).toBe(value);
  });

  it.each([
    ['a=1; sandbox_session=tok; b=2', 'a=1; b=2'],
    ['sandbox_session=tok', undefined],
    ['a=1;sandbox_session=x;sandbox_session=y', 'a=1'],
    ['a=1; b', 'a=1; b'],
  ])('keeps the other cookies of %j', (header, kept) => {
    expect(withoutCookie(header, 'sandbox_session')).toBe(kept);
  });

  it.each([
    ['/p?sandbox_token=tok', 'tok'],
    ['/p?a=1&sandbox_token=a%2Bb+c&b=2', 'a+b c'],
    ['/p?sandbox_token=', ''],
    ['/p?sandbox_token', ''],
    ['/p?sandbox_token=%zz', ''],
    ['/p?sandbox%5Ftoken=tok', 'tok'],
    ['/p?x_sandbox_token=tok', undefined],
    ['/p', undefined],
    ['/sandbox_token', undefined],
  ])('reads the query credential of %j', (url, value) => {
    expect(queryValue(url, 'sandbox_token')).toBe(value);
  });

  it.each([
    ['/p?sandbox_token=tok', '/p'],
    ['/p?a=%2F&sandbox_token=tok&b=2', '/p?a=%2F&b=2'],
    ['/%2E/p?sandbox_token=1&sandbox_token=2', '/%2E/p'],
    ['/p', '/p'],
  ])('drops the query credential from %j, keeping the rest as sent', (url, kept) => {
    expect(withoutQueryParam(url, 'sandbox_token')).toBe(kept);
  });

  it('remembers that a check used it, and the earliest expiry it was given', () => {
    const session = new SessionCredential('tok', true);
    expect(session.used).toBe(false);
    expect(session.use()).toBe('tok');
    session.expiresAt(200);
    session.expiresAt(100);
    session.expiresAt(300);
    expect(session).toMatchObject({ used: true, expiresAtSeconds: 100 });
  });
});
