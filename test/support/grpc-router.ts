import * as grpc from '@grpc/grpc-js';
import {
  EchoClient,
  type GrpcUpstream,
  MESSAGE_LIMITS,
  metadataOf,
  startGrpcUpstream,
} from './grpc.js';
import { MappedLookup } from './mapped-lookup.js';
import { type RouterOptions, type RunningRouter, startRouter } from './router-app.js';
import { startUpstream, type Upstream } from './upstream.js';

export interface GrpcRouter {
  readonly upstream: GrpcUpstream;
  /** An HTTP echo upstream, for the plain requests beside the calls. */
  readonly httpUpstream: Upstream;
  readonly router: RunningRouter;
  /** An EchoClient on the router's main port (h2c), with room for 4 MiB messages. */
  readonly client: EchoClient;
  /** Call metadata that routes to the gRPC upstream as sandbox `sb`, with `extra` entries. */
  route(extra?: Record<string, string>): grpc.Metadata;
}

/**
 * For one describe block: before its tests, the two upstreams, a router (`options()`, read once
 * the earlier hooks have run; every name resolves to 127.0.0.1 unless it says otherwise) and the
 * client; after them, closes all of it. Read the fields in tests.
 */
export function useGrpcRouter(options: () => RouterOptions = () => ({})): GrpcRouter {
  const started = {} as {
    upstream: GrpcUpstream;
    httpUpstream: Upstream;
    router: RunningRouter;
    client: EchoClient;
  };
  beforeAll(async () => {
    started.upstream = await startGrpcUpstream();
    started.httpUpstream = await startUpstream();
    started.router = await startRouter({ lookup: new MappedLookup(), ...options() });
    started.client = new EchoClient(
      `127.0.0.1:${started.router.port}`,
      grpc.credentials.createInsecure(),
      MESSAGE_LIMITS,
    );
  });
  afterAll(async () => {
    started.client?.close();
    await started.router?.close();
    await started.upstream?.close();
    await started.httpUpstream?.close();
  });
  return Object.assign(started, {
    route: (extra: Record<string, string> = {}) =>
      metadataOf({
        'x-sandbox-id': 'sb',
        'x-sandbox-port': String(started.upstream.port),
        ...extra,
      }),
  });
}
