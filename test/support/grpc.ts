import * as grpc from '@grpc/grpc-js';

/** Messages are raw bytes: no .proto, no codec. */
const bytes = (buffer: Buffer) => buffer;

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/test.Echo/${name}`,
    requestStream,
    responseStream,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  };
}

/** Four calls, one of each kind. */
export const ECHO_SERVICE = {
  unary: method('Unary', false, false),
  serverStream: method('ServerStream', false, true),
  clientStream: method('ClientStream', true, false),
  bidi: method('Bidi', true, true),
} satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
export type EchoClient = InstanceType<typeof EchoClient>;

/** Room for the 4 MiB message (grpc-js's default limit is exactly 4 MiB). */
export const MESSAGE_LIMITS = {
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  'grpc.max_send_message_length': 16 * 1024 * 1024,
};

/** Calls the upstream saw cancelled (by the router, or its deadline), by their `x-call` metadata. */
export interface GrpcUpstream {
  readonly port: number;
  readonly cancelled: string[];
  close(): Promise<void>;
}

const first = (metadata: grpc.Metadata, key: string) => metadata.get(key)[0]?.toString();

/**
 * A grpc-js server on 127.0.0.1:0. Unary echoes its request, with the client's `x-md` metadata
 * back as initial metadata `x-echo-md`; `x-fail: <code>` answers that status with a custom
 * trailer; `x-hang` never answers (and notes the cancellation). ServerStream sends as many
 * messages as its request says; ClientStream answers the total bytes received; Bidi echoes.
 */
export async function startGrpcUpstream(): Promise<GrpcUpstream> {
  const server = new grpc.Server(MESSAGE_LIMITS);
  const cancelled: string[] = [];
  server.addService(ECHO_SERVICE, {
    unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      const md = first(call.metadata, 'x-md');
      if (md) call.sendMetadata(metadataOf({ 'x-echo-md': md }));
      const fail = first(call.metadata, 'x-fail');
      if (fail) {
        done({
          code: Number(fail),
          details: 'upstream says no',
          metadata: metadataOf({ 'x-custom-trailer': 'kept' }),
        });
      } else if (first(call.metadata, 'x-hang')) {
        call.on('cancelled', () => cancelled.push(first(call.metadata, 'x-call') ?? ''));
      } else {
        done(null, call.request);
      }
    },
    serverStream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const count = Number(call.request.toString());
      for (let i = 0; i < count; i++) call.write(Buffer.from(`message ${i}`));
      call.end();
    },
    clientStream: (
      call: grpc.ServerReadableStream<Buffer, Buffer>,
      done: grpc.sendUnaryData<Buffer>,
    ) => {
      let total = 0;
      call.on('data', (chunk: Buffer) => (total += chunk.length));
      call.on('end', () => done(null, Buffer.from(String(total))));
    },
    bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (chunk: Buffer) => call.write(chunk));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    cancelled,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

export function metadataOf(entries: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

/** Settles with a unary call's outcome: its response, or its error status. */
export function unary(
  client: EchoClient,
  request: Buffer,
  metadata: grpc.Metadata,
  options: grpc.CallOptions = {},
): Promise<{ response?: Buffer; error?: grpc.ServiceError; headers?: grpc.Metadata }> {
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined;
    const call = client.makeUnaryRequest(
      ECHO_SERVICE.unary.path,
      bytes,
      bytes,
      request,
      metadata,
      options,
      (error: grpc.ServiceError | null, response?: Buffer) =>
        resolve(error ? { error, headers } : { response, headers }),
    );
    call.on('metadata', (received: grpc.Metadata) => (headers = received));
  });
}
