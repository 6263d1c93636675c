import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { Inject, Injectable } from '@nestjs/common';
import type { KubeConfig } from '@kubernetes/client-node';
import { KUBE_CONFIG } from './kubernetes.constants.js';

/** A non-200 answer of the API server; 410 Gone means "list again". */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`Kubernetes API ${status}: ${message}`);
    this.name = 'KubeApiError';
  }
}

/** A Kubernetes object as the API sends it; decoders read the few fields they need. */
export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  /** The object, or a Status ({code, message}) for ERROR. */
  object: KubeObject;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** A change to one object: a JSON merge patch, or a JSON Patch (RFC 6902, `test` ops included). */
export type KubePatch =
  | { readonly type: 'merge'; readonly body: object }
  | { readonly type: 'json'; readonly body: readonly object[] };

const PATCH_CONTENT_TYPE = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

/** The path of one namespaced object of a custom resource. */
export const objectPath = (
  { group, version, plural }: { group: string; version: string; plural: string },
  namespace: string,
  name: string,
) =>
  `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`;

/**
 * The calls the router makes, over the KubeConfig's TLS and credentials: the two an informer
 * needs (a JSON page, and a watch stream read line by line; the library's own list and informer
 * would keep whole objects, ours hand each one to a decoder and forget it), and a patch (wake on
 * traffic, keep alive).
 */
@Injectable()
export class KubeClient {
  /**
   * Null when neither a custom-resource provider nor pool discovery is configured: then nothing
   * calls the API.
   */
  constructor(@Inject(KUBE_CONFIG) private readonly config: KubeConfig | null) {}

  async get<T>(path: string, query: Query, signal: AbortSignal): Promise<T> {
    const res = await this.open(path, query, signal);
    return JSON.parse((await readBody(res)).toString('utf8')) as T;
  }

  /** Applies a patch to the object at `path`; rejects with KubeApiError (403, 404, 409, 422...). */
  async patch(path: string, patch: KubePatch, signal?: AbortSignal): Promise<void> {
    const body = Buffer.from(JSON.stringify(patch.body));
    const res = await this.open(path, {}, signal, {
      method: 'PATCH',
      body,
      contentType: PATCH_CONTENT_TYPE[patch.type],
    });
    await readBody(res);
  }

  /** Resolves when the server ends the stream (its timeout, or a restart); rejects on errors. */
  async watch(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await this.open(path, { ...query, watch: true }, signal);
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    const failed = new Promise<never>((_, reject) => res.once('error', reject));
    failed.catch(() => undefined);
    try {
      await Promise.race([
        (async () => {
          for await (const line of lines) if (line) onEvent(JSON.parse(line) as WatchEvent);
        })(),
        failed,
      ]);
    } finally {
      res.destroy();
    }
    // A stream cut mid-way (server killed) ends like a clean close; both mean "watch again".
    if (!res.complete && !signal.aborted) throw new Error('watch stream cut');
  }

  private async open(
    path: string,
    query: Query,
    signal: AbortSignal | undefined,
    send: { method: string; body: Buffer; contentType: string } | undefined = undefined,
  ): Promise<IncomingMessage> {
    const cluster = this.config?.getCurrentCluster();
    if (!this.config || !cluster) throw new Error('no current Kubernetes cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const options: RequestOptions = {
      method: send?.method ?? 'GET',
      headers: send
        ? { accept: 'application/json', 'content-type': send.contentType }
        : { accept: 'application/json' },
    };
    await this.config.applyToHTTPSOptions(options);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { ...options, signal }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        readBody(res).then(
          (body) => reject(new KubeApiError(res.statusCode ?? 0, statusMessage(body))),
          reject,
        );
      });
      // A peer that vanished without a FIN (node lost) is noticed by TCP keep-alive probes.
      req.once('socket', (socket) => socket.setKeepAlive(true, 15_000));
      req.once('error', reject);
      req.end(send?.body);
    });
  }
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
    res.once('close', () => res.complete || reject(new Error('response cut')));
  });
}

function statusMessage(body: Buffer): string {
  try {
    return (JSON.parse(body.toString('utf8')) as { message?: string }).message ?? '';
  } catch {
    return body.toString('utf8').slice(0, 200);
  }
}
