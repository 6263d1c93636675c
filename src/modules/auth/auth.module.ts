import { Module } from '@nestjs/common';
import { AccessControl } from './access.control.js';
import { BrowserSessions } from './browser-sessions.js';
import { routerCredentialsProvider } from './router-credentials.factory.js';
import { SecureAccessGuard } from './secure-access.guard.js';

@Module({
  providers: [routerCredentialsProvider, SecureAccessGuard, BrowserSessions, AccessControl],
  exports: [AccessControl],
})
export class AuthModule {}
