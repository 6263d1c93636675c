import { firstLabel, parseHostLabel, parsePort } from './host-label.js';

describe('parseHostLabel', () => {
  describe('name-port (the OpenSandbox ingress cases)', () => {
    it('reads sandbox-1234.example.com as sandbox "sandbox", port 1234', () => {
      expect(parseHostLabel(firstLabel('sandbox-1234.example.com'))).toEqual({
        sandboxId: 'sandbox',
        port: 1234,
      });
    });

    it('reads https://alpha-beta-8080.sandbox.test as "alpha-beta", 8080 (split at the last -)', () => {
      expect(parseHostLabel(firstLabel('https://alpha-beta-8080.sandbox.test'))).toEqual({
        sandboxId: 'alpha-beta',
        port: 8080,
      });
    });

    it.each([
      ['invalidhost', 'no port at all'],
      ['-1234', 'an empty sandbox id'],
      ['sb-08080', 'a port with a leading zero'],
      ['sb-99999', 'a port above 65535'],
      ['sb-0', 'port 0'],
      ['sb-', 'an empty port'],
      ['sb-80a', 'a non-numeric port'],
      ['Sb_x-8080', 'an id that is no DNS label'],
      [`${'a'.repeat(64)}-8080`, 'an id longer than 63'],
      ['', 'an empty label'],
    ])('refuses %j (%s)', (label) => {
      expect(parseHostLabel(label)).toBeUndefined();
    });

    it('accepts the port range ends 1 and 65535', () => {
      expect(parseHostLabel('sb-1')?.port).toBe(1);
      expect(parseHostLabel('sb-65535')?.port).toBe(65535);
    });

    it('recognises the signed form and keeps its expiry and signature', () => {
      expect(parseHostLabel('alpha-beta-8080-1a2b3c-abcdef12k')).toEqual({
        sandboxId: 'alpha-beta',
        port: 8080,
        expiresB36: '1a2b3c',
        signature: 'abcdef12k',
      });
    });

    it('falls back to the plain form when the last segments are not signature-shaped', () => {
      // Signature-shaped means exactly 8 hex digits and a key id; anything else is a plain label.
      expect(parseHostLabel('my-app-1a2b3c-abcdef12-8080')).toEqual({
        sandboxId: 'my-app-1a2b3c-abcdef12',
        port: 8080,
      });
      expect(parseHostLabel('a-b-8080-0a-abcdef1')).toBeUndefined();
    });

    it('refuses a signed label whose port has a leading zero', () => {
      expect(parseHostLabel('sb-08080-0-abcdef12k')).toBeUndefined();
    });

    it('refuses a signed label whose expiry has a leading zero', () => {
      expect(parseHostLabel('sb-8080-01-abcdef12k')).toBeUndefined();
    });
  });

  describe('port-name (E2B)', () => {
    it('reads 8080-my-sandbox as "my-sandbox", 8080', () => {
      expect(parseHostLabel('8080-my-sandbox', 'port-name')).toEqual({
        sandboxId: 'my-sandbox',
        port: 8080,
      });
    });

    it.each(['my-sandbox', '08080-sb', '99999-sb', '8080-', 'sandbox'])('refuses %j', (label) => {
      expect(parseHostLabel(label, 'port-name')).toBeUndefined();
    });
  });

  describe('name-namespace-port', () => {
    it('reads my-sandbox--team-a-8080 as "my-sandbox" in namespace "team-a", port 8080', () => {
      expect(parseHostLabel('my-sandbox--team-a-8080', 'name-namespace-port')).toEqual({
        sandboxId: 'my-sandbox',
        namespace: 'team-a',
        port: 8080,
      });
    });

    it.each([
      ['my-sandbox-8080', 'no namespace'],
      ['--team-8080', 'an empty id'],
      ['sb---8080', 'an empty namespace'],
      ['sb--team-08080', 'a leading-zero port'],
      ['sb--team', 'no port'],
    ])('refuses %j (%s)', (label) => {
      expect(parseHostLabel(label, 'name-namespace-port')).toBeUndefined();
    });
  });
});

describe('firstLabel', () => {
  it.each([
    ['sandbox-1234.example.com', 'sandbox-1234'],
    ['http://Sb-1.Example.com/x', 'sb-1'],
    ['sb-8080:443', 'sb-8080'],
    [' sb-8080 ', 'sb-8080'],
    ['sb-8080', 'sb-8080'],
  ])('takes %j to %j', (value, label) => {
    expect(firstLabel(value)).toBe(label);
  });
});

describe('parsePort', () => {
  it.each(['0', '00', '08080', '65536', '99999', '123456', '', '+80', '8e3', ' 80'])(
    'refuses %j',
    (raw) => {
      expect(parsePort(raw)).toBeUndefined();
    },
  );
});
