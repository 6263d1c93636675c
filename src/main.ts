import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { readBuildInfo } from './build-info.js';
import { http } from './http.adapter.js';
import { configOrExit, logLevels, poolSummary } from './modules/config/config.bootstrap.js';

const { config, warnings } = configOrExit();
const logger = new ConsoleLogger('Router', { json: true, logLevels: logLevels(config.logLevel) });
const app = await NestFactory.create<NestFastifyApplication>(AppModule, http(), { logger });
// useProcessExit: exit 0 after draining (SPEC §8) instead of re-raising the signal (143).
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
await app.listen(config.port, '0.0.0.0');

const build = readBuildInfo();
warnings.forEach((warning) => logger.warn(warning));
logger.log(
  `sandbox-router ${build.version} (commit ${build.commit}, built ${build.builtAt}) on ` +
    `node ${process.version} ${process.platform}/${process.arch}, port ${config.port}, ` +
    `strategies [${config.routing.strategies}], providers [${config.resolution.providers}], ` +
    `pool ${poolSummary(config.pool)}`,
);
