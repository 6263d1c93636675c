import { connect, constants } from 'node:http2';
import { unary } from '../support/grpc.js';
import { useGrpcRouter } from '../support/grpc-router.js';

describe('HTTP/2 hygiene', () => {
  const env = useGrpcRouter();
  const call = () => unary(env.client, Buffer.from('still here'), env.route());

  it('cuts a rapid-reset client with GOAWAY while other clients are served', async () => {
    const session = connect(env.router.url);
    session.on('error', () => undefined);
    const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
    const closed = new Promise((resolve) => session.once('close', resolve));
    await new Promise((resolve) => session.once('connect', resolve));
    const other = call();
    for (let i = 0; i < 1000 && !session.closed && !session.destroyed; i++) {
      const stream = session.request({
        ':path': `/reset-${i}`,
        'x-sandbox-id': 'sb',
        'x-sandbox-port': String(env.httpUpstream.port),
      });
      stream.on('error', () => undefined);
      stream.close(constants.NGHTTP2_CANCEL);
    }
    await expect(goaway).resolves.toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await closed;
    expect((await other).response?.toString()).toBe('still here');
    expect((await call()).response?.toString()).toBe('still here');
  });

  it('advertises a limit on concurrent streams and on the header list', async () => {
    const session = connect(env.router.url);
    try {
      const settings = await new Promise<{
        maxConcurrentStreams?: number;
        maxHeaderListSize?: number;
      }>((resolve) => session.once('remoteSettings', resolve));
      expect(settings.maxConcurrentStreams).toBe(250);
      expect(settings.maxHeaderListSize).toBe(16384);
    } finally {
      session.close();
    }
  });
});
