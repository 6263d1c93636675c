import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { readBuildInfo } from './build-info.js';
import { http } from './http.adapter.js';
import { configOrExit, poolSummary } from './modules/config/config.bootstrap.js';
import { RouterLogger } from './modules/observability/router.logger.js';

const { config, warnings } = configOrExit();
// Nest's own start-up lines wait for the router's logger (pino JSON, LOG_LEVEL).
const app = await NestFactory.create<NestFastifyApplication>(AppModule, http(config.server), {
  bufferLogs: true,
});
app.useLogger(app.get(RouterLogger));
// useProcessExit: exit 0 after draining (SPEC §8) instead of re-raising the signal (143).
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
await app.listen(config.port, '0.0.0.0');

const logger = new Logger('Router');
const build = readBuildInfo();
warnings.forEach((warning) => logger.warn(warning));
logger.log(
  `sandbox-router ${build.version} (commit ${build.commit}, built ${build.builtAt}) on ` +
    `node ${process.version} ${process.platform}/${process.arch}, port ${config.port}, ` +
    `strategies [${config.routing.strategies}], providers [${config.resolution.providers}], ` +
    `pool ${poolSummary(config.pool)}`,
);
