import { watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigError } from '../config/config.loader.js';
import {
  CONFIG_FILE,
  type ConfigFile,
  poolConfig,
  type PoolConfig,
} from '../config/router.config.js';
import { type WorkerSpec, WorkerSet } from './worker.set.js';

/** Editors and ConfigMap updates touch the directory several times per change; reload once. */
const DEBOUNCE_MS = 200;

/**
 * Reloads the static worker list (`pool.workers`, URLs and weights) from the config file on
 * SIGHUP and whenever the file changes, without a restart. Only that list reloads: every other
 * key, the rest of `pool` included, is read once at start-up and needs a restart. A file that
 * does not load keeps the current list. Off for a discovered pool (its Service is the source)
 * and without a config file.
 */
@Injectable()
export class WorkerListReloader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WorkerPool');
  /** A static list is configured (a discovered pool reloads through its Service). */
  private readonly staticList: boolean;
  /** Undoes what onApplicationBootstrap set up: signal handler, watcher, pending reload. */
  private stop?: () => void;

  constructor(
    @Inject(poolConfig.KEY) config: PoolConfig,
    @Inject(CONFIG_FILE) private readonly file: ConfigFile | null,
    private readonly workers: WorkerSet,
  ) {
    this.staticList = config.workers.length > 0;
  }

  onApplicationBootstrap(): void {
    const { file } = this;
    if (!file || !this.staticList) return;
    let pending: NodeJS.Timeout | undefined;
    const reloadSoon = () => {
      clearTimeout(pending);
      pending = setTimeout(() => this.reload(file), DEBOUNCE_MS);
    };
    const path = resolve(file.path);
    // The directory, not the file: a Kubernetes ConfigMap update swaps the `..data` symlink
    // beside it and never writes the file, and a write-and-rename replaces the file's inode.
    const watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (!name || name === basename(path) || name.startsWith('..')) reloadSoon();
    });
    watcher.on('error', (error) => {
      this.logger.warn(`stopped watching ${file.path} (${error.message}); SIGHUP still reloads`);
      watcher.close();
    });
    process.on('SIGHUP', reloadSoon);
    this.stop = () => {
      process.off('SIGHUP', reloadSoon);
      watcher.close();
      clearTimeout(pending);
    };
  }

  beforeApplicationShutdown(): void {
    this.stop?.();
  }

  private reload(file: ConfigFile): void {
    let next: readonly WorkerSpec[];
    try {
      next = file.load().pool.workers;
      // An empty list would turn every pool request into a 503; switching the pool off (or to a
      // Service) is a restart, like any other key.
      if (next.length === 0)
        throw new ConfigError(['pool.workers: empty (turning the pool off needs a restart)']);
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      this.logger.error(
        `worker list not reloaded from the config file, current workers kept: ${problems.join('; ')}`,
      );
      return;
    }
    const change = diff(this.workers.all, next);
    if (change.added + change.removed + change.reweighted === 0) {
      this.logger.debug(`config file ${file.path} read again; worker list unchanged`);
      return;
    }
    this.workers.replace(next);
    this.logger.log(
      `worker list reloaded from ${file.path}: ${next.length} workers, ${change.added} added, ` +
        `${change.removed} removed, ${change.reweighted} reweighted`,
    );
  }
}

function diff(before: readonly WorkerSpec[], after: readonly WorkerSpec[]) {
  const weights = new Map(before.map(({ url, weight }) => [url, weight]));
  const kept = after.filter(({ url }) => weights.has(url));
  return {
    added: after.length - kept.length,
    removed: before.length - kept.length,
    reweighted: kept.filter(({ url, weight }) => weights.get(url) !== weight).length,
  };
}
