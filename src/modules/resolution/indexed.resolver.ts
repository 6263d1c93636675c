import { RouterError } from '../errors/router-error.js';
import type { RouteKey } from '../routing/route-key.js';
import type { SandboxIndex, SandboxRecord } from './sandbox.index.js';
import type { SandboxLifecycle } from './sandbox.lifecycle.js';
import type { SandboxResolver, Target, TargetSource, Waiting } from './sandbox.resolver.js';

/** Clients poll again this soon: sandboxes start in seconds. */
const RETRY_AFTER_SECONDS = '1';

export interface IndexedResolverOptions {
  readonly source: TargetSource;
  /** The informer-fed cache this provider answers from. */
  readonly index: SandboxIndex;
  /** The resource names an id may have, in the order they are tried. */
  readonly candidates: (id: string) => readonly string[];
  /** How long a known but not-ready sandbox is waited for (SPEC §4.4); 0 answers 503 at once. */
  readonly readyWaitMs: number;
  /** Wake on traffic and keep-alive; undefined when both are off. */
  readonly lifecycle?: SandboxLifecycle;
}

/**
 * Answers from a custom-resource cache, never from the API: unknown -> undefined (the next
 * provider, then 404), one match in several namespaces -> 502 SANDBOX_AMBIGUOUS, known but not
 * ready -> held for the watch event that makes it ready, then 503 SANDBOX_NOT_READY. A suspended
 * sandbox that wake on traffic applies to is resumed and held by lifecycle/ first.
 */
export class IndexedSandboxResolver implements SandboxResolver {
  readonly index: SandboxIndex;

  constructor(private readonly options: IndexedResolverOptions) {
    this.index = options.index;
  }

  async resolve(key: RouteKey, waiting?: Waiting): Promise<Target | undefined> {
    let record = this.find(key);
    if (record === undefined) return undefined;
    const { lifecycle } = this.options;
    if (lifecycle?.wakes(record)) {
      waiting?.admit(record.accessToken);
      const found = record;
      const woken = await lifecycle.hold({
        sandboxId: key.sandboxId,
        record,
        // The same name where the request found it (not a namesake in another namespace).
        find: () => this.index.get(found.namespace, found.name),
        clientGone: waiting && (() => waiting.clientGone()),
      });
      if (woken === undefined) return undefined;
      record = woken;
    }
    const deadline = Date.now() + this.options.readyWaitMs;
    const signal =
      record.host === undefined && this.options.readyWaitMs > 0 ? waiting?.clientGone() : undefined;
    while (record.host === undefined && !signal?.aborted && Date.now() < deadline) {
      await this.index.changed(record.name, deadline - Date.now(), signal);
      const now = this.find(key);
      if (now === undefined) return undefined; // deleted while we waited
      record = now;
    }
    if (record.host === undefined) throw notReady(key.sandboxId, record);
    return {
      url: new URL(`http://${hostPart(record.host)}:${key.port}`),
      source: this.options.source,
      identity: `${record.namespace}/${record.name}/${record.uid}`,
      accessToken: record.accessToken,
      activity: record.lifecycle?.extendSeconds ? lifecycle?.activity(record) : undefined,
    };
  }

  /** The first candidate name that exists; in the request's namespace when it names one. */
  private find({ sandboxId, namespace }: RouteKey): SandboxRecord | undefined {
    for (const name of this.options.candidates(sandboxId)) {
      if (namespace !== undefined) {
        const record = this.index.get(namespace, name);
        if (record) return record;
        continue;
      }
      const found = this.index.named(name);
      if (found.length === 1) return found[0];
      if (found.length > 1) {
        const where = found.map((r) => r.namespace).join(', ');
        throw new RouterError(
          'SANDBOX_AMBIGUOUS',
          `Sandbox ${sandboxId} exists in several namespaces: ${where}`,
        );
      }
    }
    return undefined;
  }
}

const hostPart = (host: string) => (host.includes(':') ? `[${host}]` : host);

const notReady = (id: string, record: SandboxRecord) =>
  new RouterError('SANDBOX_NOT_READY', `Sandbox ${id} is not ready: ${record.notReady}`, {
    'retry-after': RETRY_AFTER_SECONDS,
  });
