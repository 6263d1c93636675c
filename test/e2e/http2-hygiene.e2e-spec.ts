import * as grpc from '@grpc/grpc-js';
import { connect, constants } from 'node:http2';
import { MappedLookup } from '../support/mapped-lookup.js';
import {
  EchoClient,
  type GrpcUpstream,
  metadataOf,
  startGrpcUpstream,
  unary,
} from '../support/grpc.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

describe('HTTP/2 hygiene', () => {
  let upstream: GrpcUpstream;
  let httpUpstream: Upstream;
  let router: RunningRouter;
  let client: EchoClient;

  beforeAll(async () => {
    upstream = await startGrpcUpstream();
    httpUpstream = await startUpstream();
    router = await startRouter({ lookup: new MappedLookup() });
    client = new EchoClient(`127.0.0.1:${router.port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await router.close();
    await upstream.close();
    await httpUpstream.close();
  });

  const call = () =>
    unary(
      client,
      Buffer.from('still here'),
      metadataOf({ 'x-sandbox-id': 'sb', 'x-sandbox-port': String(upstream.port) }),
    );

  it('cuts a rapid-reset client with GOAWAY while other clients are served', async () => {
    const session = connect(router.url);
    session.on('error', () => undefined);
    const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
    const closed = new Promise((resolve) => session.once('close', resolve));
    await new Promise((resolve) => session.once('connect', resolve));
    const other = call();
    for (let i = 0; i < 1000 && !session.closed && !session.destroyed; i++) {
      const stream = session.request({
        ':path': `/reset-${i}`,
        'x-sandbox-id': 'sb',
        'x-sandbox-port': String(httpUpstream.port),
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
    const session = connect(router.url);
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
