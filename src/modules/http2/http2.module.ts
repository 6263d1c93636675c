import { Module } from '@nestjs/common';
import { H2cListener } from './h2c.listener.js';
import { ListenerDrain } from './listener.drain.js';
import { TlsListener } from './tls.listener.js';

/** HTTP/2 and TLS listeners; what they receive goes through the main port's front door. */
@Module({
  providers: [ListenerDrain, H2cListener, TlsListener],
  exports: [ListenerDrain, TlsListener],
})
export class Http2Module {}
