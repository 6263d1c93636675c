import * as grpc from '@grpc/grpc-js';
import { connect, constants, createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { REQUEST_OBSERVER } from '../../src/modules/observability/request.observer.js';
import type { RequestRecord } from '../../src/modules/observability/request.record.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { ECHO_SERVICE, metadataOf, unary } from '../support/grpc.js';
import { useGrpcRouter } from '../support/grpc-router.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { until } from '../support/wait.js';

const bytes = (buffer: Buffer) => buffer;

describe('gRPC over h2c on the main port', () => {
  const records: RequestRecord[] = [];
  const env = useGrpcRouter(() => ({
    lookup: new MappedLookup((host) => !host.startsWith('gone')),
    override: (builder) =>
      builder
        .overrideProvider(REQUEST_OBSERVER)
        .useValue([{ finished: (record: RequestRecord) => records.push(record) }]),
  }));

  it('relays a unary call with metadata both ways', async () => {
    const { response, error, headers } = await unary(
      env.client,
      Buffer.from('hello'),
      env.route({ 'x-md': 'from-client' }),
    );
    expect(error).toBeUndefined();
    expect(response?.toString()).toBe('hello');
    expect(headers?.get('x-echo-md')).toEqual(['from-client']);
    expect(headers?.get('x-request-id')[0]).toBeTruthy();
  });

  it('fills the request record of a call (attempts, bytes, status, timings)', async () => {
    const { error } = await unary(
      env.client,
      Buffer.alloc(1000),
      env.route({ 'x-request-id': 'grpc-record' }),
    );
    expect(error).toBeUndefined();
    await until(() => records.some((record) => record.requestId === 'grpc-record'));
    const record = records.find((each) => each.requestId === 'grpc-record')!;
    expect(record).toMatchObject({ kind: 'header', sandbox: 'sb', status: 200, attempts: 1 });
    expect(record.aborted).toBe(false);
    // Each message has a 5-byte gRPC frame header.
    expect(record.bytesIn).toBe(1005);
    expect(record.bytesOut).toBe(1005);
    expect(record.headMs).toBeGreaterThanOrEqual(record.connectMs!);
  });

  it('relays a 4 MiB message each way', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const { response, error } = await unary(env.client, big, env.route());
    expect(error).toBeUndefined();
    expect(response?.equals(big)).toBe(true);
  });

  it('relays a server-streaming call', async () => {
    const call = env.client.makeServerStreamRequest(
      ECHO_SERVICE.serverStream.path,
      bytes,
      bytes,
      Buffer.from('50'),
      env.route(),
    );
    const received: string[] = [];
    call.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
    expect(received).toHaveLength(50);
    expect(received[49]).toBe('message 49');
  });

  it('relays a client-streaming call', async () => {
    const answer = new Promise<string>((resolve, reject) => {
      const call = env.client.makeClientStreamRequest(
        ECHO_SERVICE.clientStream.path,
        bytes,
        bytes,
        env.route(),
        (error: grpc.ServiceError | null, response?: Buffer) =>
          error ? reject(error) : resolve(response!.toString()),
      );
      for (let i = 0; i < 100; i++) call.write(Buffer.alloc(1000));
      call.end();
    });
    await expect(answer).resolves.toBe('100000');
  });

  it('relays a bidirectional call, each answer arriving before the next message is sent', async () => {
    const call = env.client.makeBidiStreamRequest(
      ECHO_SERVICE.bidi.path,
      bytes,
      bytes,
      env.route(),
    );
    const next = () =>
      new Promise<string>((resolve) => call.once('data', (c: Buffer) => resolve(c.toString())));
    for (const word of ['one', 'two', 'three']) {
      const answer = next();
      call.write(Buffer.from(word));
      await expect(answer).resolves.toBe(word);
    }
    call.end();
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
  });

  it("passes the upstream's error status and custom trailers to the client", async () => {
    const { error } = await unary(env.client, Buffer.from('x'), env.route({ 'x-fail': '9' }));
    expect(error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error?.details).toBe('upstream says no');
    expect(error?.metadata.get('x-custom-trailer')).toEqual(['kept']);
  });

  it('ends a call past its deadline with DEADLINE_EXCEEDED and cancels the upstream call', async () => {
    const { error } = await unary(
      env.client,
      Buffer.from('x'),
      env.route({ 'x-hang': '1', 'x-call': 'slow' }),
      {
        deadline: Date.now() + 300,
      },
    );
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await until(() => env.upstream.cancelled.includes('slow'));
  });

  /** How the router refused a call: its status, details and `x-router-code` trailer. */
  const refusal = async (metadata: grpc.Metadata) => {
    const { error } = await unary(env.client, Buffer.from('x'), metadata);
    const routerCode = error?.metadata.get('x-router-code');
    return { code: error?.code, details: error?.details, routerCode };
  };

  it('answers UNAVAILABLE with the router code for a sandbox that does not resolve', async () => {
    expect(await refusal(metadataOf({ 'x-sandbox-id': 'gone', 'x-sandbox-port': '1' }))).toEqual({
      code: grpc.status.UNAVAILABLE,
      details: 'Could not connect to the backend sandbox: gone',
      routerCode: ['UPSTREAM_UNREACHABLE'],
    });
  });

  it('answers INVALID_ARGUMENT for a call without a route key', async () => {
    expect(await refusal(metadataOf({}))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'X-Sandbox-ID header is required.',
      routerCode: ['ROUTE_MISSING'],
    });
  });

  it('answers INVALID_ARGUMENT for a malformed route key', async () => {
    const route = metadataOf({ 'x-sandbox-id': 'sb', 'x-sandbox-port': 'nope' });
    expect(await refusal(route)).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      routerCode: ['ROUTE_INVALID'],
    });
  });

  it('still serves HTTP/1.1 on the same port', async () => {
    const response = await fetch(`${env.router.url}/plain?q=1`, {
      headers: { 'x-sandbox-id': 'sb', 'x-sandbox-port': String(env.httpUpstream.port) },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { url: string }).url).toBe('/plain?q=1');
  });

  it('sends a non-gRPC HTTP/2 request upstream as HTTP/1.1, host from :authority', async () => {
    const session = connect(env.router.url);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/h2?x=1',
        'x-sandbox-id': 'sb',
        'x-sandbox-port': String(env.httpUpstream.port),
      });
      stream.end('body');
      const head = await new Promise<Record<string, unknown>>((resolve) =>
        stream.once('response', resolve),
      );
      let body = '';
      for await (const chunk of stream) body += String(chunk);
      expect(head[':status']).toBe(200);
      expect(head.connection).toBeUndefined();
      const echoed = JSON.parse(body) as {
        method: string;
        url: string;
        headers: Record<string, string>;
      };
      expect(echoed.method).toBe('POST');
      expect(echoed.url).toBe('/h2?x=1');
      expect(echoed.headers['x-forwarded-host']).toBe(`127.0.0.1:${env.router.port}`);
      expect(Object.keys(echoed.headers).filter((name) => name.startsWith(':'))).toEqual([]);
    } finally {
      session.close();
    }
  });

  it("serves the router's own endpoints over HTTP/2", async () => {
    const session = connect(env.router.url);
    try {
      const stream = session.request({ ':path': '/healthz' });
      const head = await new Promise<Record<string, unknown>>((resolve) =>
        stream.once('response', resolve),
      );
      stream.resume();
      expect(head[':status']).toBe(200);
    } finally {
      session.close();
    }
  });
});

describe('gRPC deadlines kept by the router itself', () => {
  let silent: Http2Server;
  let router: RunningRouter;
  const upstreamClosed: number[] = [];

  beforeAll(async () => {
    // An h2c upstream that never answers and ignores grpc-timeout.
    silent = createServer();
    silent.on('stream', (stream) =>
      stream.once('close', () => upstreamClosed.push(stream.rstCode ?? 0)),
    );
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    router = await startRouter({ lookup: new MappedLookup() });
  });

  afterAll(async () => {
    await router.close();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('answers DEADLINE_EXCEEDED trailers-only when grpc-timeout passes, and resets the upstream stream', async () => {
    const session = connect(router.url);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/test.Echo/Unary',
        'content-type': 'application/grpc',
        'grpc-timeout': '200m',
        'x-sandbox-id': 'sb',
        'x-sandbox-port': String((silent.address() as AddressInfo).port),
      });
      stream.end();
      const [head, flags] = await new Promise<[Record<string, unknown>, number]>((resolve) =>
        stream.once('response', (headers, flags) => resolve([headers, flags])),
      );
      stream.resume();
      expect(head[':status']).toBe(200);
      expect(flags & constants.NGHTTP2_FLAG_END_STREAM).toBeTruthy();
      expect(head['grpc-status']).toBe('4');
      expect(head['x-router-code']).toBe('UPSTREAM_TIMEOUT');
      await until(() => upstreamClosed.includes(constants.NGHTTP2_CANCEL));
    } finally {
      session.close();
    }
  });
});
