import type { KubeObject } from '../kubernetes/kube.client.js';
import type { InformerSink } from '../kubernetes/resource.informer.js';
import type { LifecycleFacts } from './lifecycle.facts.js';

/**
 * What routing needs of one sandbox custom resource, and nothing else: a few hundred bytes
 * instead of the whole object (200,000 of them must fit in < 1 KiB each).
 */
export class SandboxRecord {
  constructor(
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    readonly resourceVersion: string,
    /** Where traffic goes (DNS name or IP); undefined while not ready. */
    readonly host: string | undefined,
    /** Why it cannot take traffic; undefined when ready. */
    readonly notReady: string | undefined,
    /** `opensandbox.io/secure-access-token`, for per-sandbox access (SPEC §9). */
    readonly accessToken: string | undefined = undefined,
    /** Suspension, generation and expiry facts; undefined for most sandboxes. */
    readonly lifecycle: LifecycleFacts | undefined = undefined,
  ) {}

  /** One resource, whatever its cache entry: its uid (namespace/name when it has none). */
  get key(): string {
    return this.uid || `${this.namespace}/${this.name}`;
  }

  /** A resource's identity from its metadata, plus what a decoder made of its state. */
  static of(
    metadata: KubeObject['metadata'] = {},
    state: { host?: string; notReady?: string; accessToken?: string; lifecycle?: LifecycleFacts },
  ): SandboxRecord {
    return new SandboxRecord(
      metadata.namespace ?? '',
      metadata.name ?? '',
      metadata.uid ?? '',
      metadata.resourceVersion ?? '',
      state.host,
      state.notReady,
      state.accessToken,
      state.lifecycle,
    );
  }
}

type Waiter = () => void;

/**
 * The informer's cache, indexed by namespace/name and by bare name (route forms that carry no
 * namespace). It also wakes requests waiting for a sandbox to become ready: a change to a name
 * calls its waiters, so a held request is released by the watch event itself.
 */
export class SandboxIndex implements InformerSink<SandboxRecord> {
  private readonly byNamespace = new Map<string, Map<string, SandboxRecord>>();
  private readonly byName = new Map<string, SandboxRecord | SandboxRecord[]>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Requests currently held for a change. */
  get waiting(): number {
    let total = 0;
    for (const set of this.waiters.values()) total += set.size;
    return total;
  }

  get(namespace: string, name: string): SandboxRecord | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Every record of that name, across the watched namespaces. */
  named(name: string): readonly SandboxRecord[] {
    const found = this.byName.get(name);
    return found === undefined ? [] : Array.isArray(found) ? found : [found];
  }

  upsert(record: SandboxRecord): void {
    let names = this.byNamespace.get(record.namespace);
    if (!names) this.byNamespace.set(record.namespace, (names = new Map()));
    const previous = names.get(record.name);
    names.set(record.name, record);
    if (!previous) this.count++;
    const current = this.byName.get(record.name);
    if (
      current === undefined ||
      (!Array.isArray(current) && current.namespace === record.namespace)
    ) {
      this.byName.set(record.name, record);
    } else {
      const others = this.named(record.name).filter((r) => r.namespace !== record.namespace);
      this.byName.set(record.name, others.length ? [...others, record] : record);
    }
    this.notify(record.name);
  }

  remove({ namespace, name }: SandboxRecord): void {
    const names = this.byNamespace.get(namespace);
    if (!names?.delete(name)) return;
    this.count--;
    if (names.size === 0) this.byNamespace.delete(namespace);
    const others = this.named(name).filter((r) => r.namespace !== namespace);
    if (others.length === 0) this.byName.delete(name);
    else this.byName.set(name, others.length === 1 ? others[0] : others);
    this.notify(name);
  }

  replace(namespace: string | undefined, records: SandboxRecord[]): void {
    const fresh = new Set(records.map((r) => `${r.namespace}/${r.name}`));
    const scopes = namespace === undefined ? [...this.byNamespace.keys()] : [namespace];
    for (const scope of scopes) {
      for (const stale of [...(this.byNamespace.get(scope)?.values() ?? [])]) {
        if (!fresh.has(`${stale.namespace}/${stale.name}`)) this.remove(stale);
      }
    }
    for (const record of records) this.upsert(record);
  }

  /**
   * Resolves on the next change to `name`, after `timeoutMs`, or when the signal aborts,
   * whichever comes first; the timer and the waiter are gone when it does.
   */
  changed(name: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(name) === set) this.waiters.delete(name);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Wakes the requests waiting on `name` without a change (a wake's patch failed). */
  notify(name: string): void {
    const set = this.waiters.get(name);
    if (set) for (const wake of [...set]) wake();
  }
}
