import type { Logger } from '@nestjs/common';
import { Backoff } from './backoff.js';
import { KubeApiError, type KubeClient, type KubeObject, type WatchEvent } from './kube.client.js';

/** A named API group's collection: `/apis/<group>/<version>/[namespaces/<ns>/]<plural>`. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** Where an informer puts the compact records it decodes; it never keeps the objects. */
export interface InformerSink<R> {
  /** A (re)list of one scope (a namespace, or undefined for all) is the whole truth for it. */
  replace(namespace: string | undefined, records: R[]): void;
  upsert(record: R): void;
  remove(record: R): void;
  /** How many objects it holds now (the cache-size metric), when it counts them. */
  readonly size?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface InformerOptions<R> {
  /** Who reads it (`agent-sandbox`, `batch-sandbox`, `pool`): the metrics' provider label. */
  readonly provider: string;
  readonly resource: ResourceRef;
  /** Empty: one cluster-wide list/watch. */
  readonly namespaces: readonly string[];
  /** Only the objects with these labels (`key=value,...`); unset: all of them. */
  readonly labelSelector?: string;
  /** Raw object -> the few fields routing needs. */
  readonly decode: (object: KubeObject) => R;
  readonly sink: InformerSink<R>;
}

// Pages keep the transient memory of a 200,000-object list small.
const LIST_PAGE = 500;
// Watches are re-opened by the server at a random 5-10 min, as client-go does.
const watchTimeoutSeconds = () => 300 + Math.floor(Math.random() * 300);
// A watch that ends sooner than this without news is treated like a failure (backoff).
const HEALTHY_WATCH_MS = 1000;

class Gone extends Error {}

/**
 * List, then watch from the list's resourceVersion, per scope, until stopped. A cut watch is
 * resumed from the last version seen, after a capped, jittered backoff; 410 Gone (the version
 * left the server's window, e.g. after an API server restart) re-lists at once. The sink keeps
 * serving what it has meanwhile.
 */
export class ResourceInformer<R> {
  readonly name: string;
  /** Watch events applied, by type (metrics). */
  readonly events: Record<WatchEventType, number> = {
    ADDED: 0,
    MODIFIED: 0,
    DELETED: 0,
    BOOKMARK: 0,
  };
  /** Watches re-opened after a failure or a 410 Gone (metrics). */
  restarts = 0;
  private readonly pending: Set<string | undefined>;
  private controller?: AbortController;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: InformerOptions<R>) {
    const { group, version, plural } = options.resource;
    this.name = `${plural}.${group}/${version}`;
    this.pending = new Set(options.namespaces.length ? options.namespaces : [undefined]);
  }

  get provider(): string {
    return this.options.provider;
  }

  /** Objects the sink holds, when it counts them. */
  get cached(): number | undefined {
    return this.options.sink.size;
  }

  /** True once every scope has been listed at least once. */
  get synced(): boolean {
    return this.pending.size === 0;
  }

  start(client: KubeClient, logger: Logger): void {
    if (this.controller) return;
    const controller = (this.controller = new AbortController());
    this.loops = [...this.pending].map((scope) =>
      this.run(client, logger, scope, controller.signal),
    );
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await Promise.all(this.loops);
    this.loops = [];
    this.controller = undefined;
  }

  private path(namespace: string | undefined): string {
    const { group, version, plural } = this.options.resource;
    return `/apis/${group}/${version}/${namespace ? `namespaces/${namespace}/` : ''}${plural}`;
  }

  private async run(
    client: KubeClient,
    logger: Logger,
    scope: string | undefined,
    signal: AbortSignal,
  ) {
    const backoff = new Backoff({ initialDelayMs: 200, maxDelayMs: 5000 });
    const where = `${this.name}${scope ? ` in ${scope}` : ''}`;
    let version: string | undefined;
    let failing = false;
    while (!signal.aborted) {
      const startedAt = Date.now();
      try {
        if (version === undefined) {
          version = await this.list(client, scope, signal);
          this.pending.delete(scope);
        }
        version = await this.watch(client, scope, version, (seen) => (version = seen), signal);
        if (failing) logger.log(`${where}: watch resumed`);
        failing = false;
        if (Date.now() - startedAt >= HEALTHY_WATCH_MS) backoff.reset();
        else await backoff.wait(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.restarts++;
        if (error instanceof Gone || (error instanceof KubeApiError && error.status === 410)) {
          version = undefined; // the server forgot our version: list again, now
          continue;
        }
        if (!failing) logger.warn(`${where}: ${(error as Error).message}; retrying with backoff`);
        failing = true;
        await backoff.wait(signal);
      }
    }
  }

  /** Every page decoded as it arrives; returns the list's resourceVersion. */
  private async list(client: KubeClient, scope: string | undefined, signal: AbortSignal) {
    const records: R[] = [];
    let token: string | undefined;
    let version = '';
    do {
      const page = await client.get<ListPage>(
        this.path(scope),
        { limit: LIST_PAGE, continue: token, labelSelector: this.options.labelSelector },
        signal,
      );
      for (const item of page.items ?? []) records.push(this.options.decode(item));
      token = page.metadata?.continue || undefined;
      version = page.metadata?.resourceVersion ?? version;
    } while (token);
    this.options.sink.replace(scope, records);
    return version;
  }

  /** Applies events until the stream ends; returns the last resourceVersion seen. */
  private async watch(
    client: KubeClient,
    scope: string | undefined,
    from: string,
    seen: (version: string) => void,
    signal: AbortSignal,
  ): Promise<string> {
    let version = from;
    const onEvent = ({ type, object }: WatchEvent) => {
      if (type === 'ERROR') {
        if (object.code === 410) throw new Gone(String(object.message));
        throw new KubeApiError(Number(object.code ?? 0), String(object.message ?? 'watch error'));
      }
      if (type === 'ADDED' || type === 'MODIFIED')
        this.options.sink.upsert(this.options.decode(object));
      else if (type === 'DELETED') this.options.sink.remove(this.options.decode(object));
      if (type in this.events) this.events[type as WatchEventType]++;
      version = object.metadata?.resourceVersion ?? version;
      seen(version);
    };
    await client.watch(
      this.path(scope),
      {
        resourceVersion: from,
        allowWatchBookmarks: true,
        timeoutSeconds: watchTimeoutSeconds(),
        labelSelector: this.options.labelSelector,
      },
      onEvent,
      signal,
    );
    return version;
  }
}

interface ListPage {
  items?: KubeObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}
