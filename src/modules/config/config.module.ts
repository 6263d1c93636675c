import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CONFIG_NAMESPACES } from './router.config.js';

/** Typed, validated namespaces for every other module; nothing else reads the environment. */
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: CONFIG_NAMESPACES })],
})
export class RouterConfigModule {}
