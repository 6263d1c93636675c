import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DrainHealthIndicator } from './drain.health.js';
import { GracefulShutdown } from './graceful-shutdown.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [GracefulShutdown, DrainHealthIndicator],
})
export class HealthModule {}
