import { grpcTimeoutMs } from './grpc-timeout.js';

describe('grpcTimeoutMs', () => {
  it('reads every unit of the gRPC wire format', () => {
    expect(grpcTimeoutMs('2H')).toBe(7_200_000);
    expect(grpcTimeoutMs('3M')).toBe(180_000);
    expect(grpcTimeoutMs('5S')).toBe(5_000);
    expect(grpcTimeoutMs('250m')).toBe(250);
    expect(grpcTimeoutMs('1500u')).toBe(2);
    expect(grpcTimeoutMs('10n')).toBe(1);
  });

  it('ignores a missing or malformed value', () => {
    expect(grpcTimeoutMs(undefined)).toBeUndefined();
    expect(grpcTimeoutMs('')).toBeUndefined();
    expect(grpcTimeoutMs('5')).toBeUndefined();
    expect(grpcTimeoutMs('123456789S')).toBeUndefined();
    expect(grpcTimeoutMs('-5S')).toBeUndefined();
    expect(grpcTimeoutMs(['1S', '2S'])).toBeUndefined();
  });
});
