import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CONFIG_FILE, CONFIG_NAMESPACES, configFileProvider } from './router.config.js';

/** Typed, validated namespaces for every other module; nothing else reads the environment. */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: CONFIG_NAMESPACES })],
  providers: [configFileProvider],
  exports: [CONFIG_FILE],
})
export class RouterConfigModule {}
