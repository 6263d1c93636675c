import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KubeClient } from './kube.client.js';
import { type InformerOptions, ResourceInformer } from './resource.informer.js';

/**
 * Every informer the configured providers asked for. They start when the application has
 * booted and stop before it shuts down; with none registered, nothing talks to a cluster.
 */
@Injectable()
export class InformerRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Informers');
  private readonly informers: ResourceInformer<unknown>[] = [];

  constructor(private readonly client: KubeClient) {}

  register<R>(options: InformerOptions<R>): ResourceInformer<R> {
    const informer = new ResourceInformer(options);
    this.informers.push(informer as ResourceInformer<unknown>);
    return informer;
  }

  get all(): readonly ResourceInformer<unknown>[] {
    return this.informers;
  }

  /** Names of the informers that have not finished their first list yet. */
  unsynced(): string[] {
    return this.informers.filter((informer) => !informer.synced).map((informer) => informer.name);
  }

  onApplicationBootstrap(): void {
    for (const informer of this.informers) informer.start(this.client, this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }
}
