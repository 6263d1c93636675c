import type { Server } from 'node:http';
import { createServer } from 'node:http2';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { serverConfig, type ServerConfig } from '../config/router.config.js';
import { http2Options, serveOn } from './http2.options.js';
import { ListenerDrain } from './listener.drain.js';
import { PrefaceSniffer } from './preface.sniffer.js';

/**
 * Cleartext HTTP/2 with prior knowledge (what gRPC clients use for insecure channels) on the
 * main port, beside HTTP/1.1: connections that open with the HTTP/2 preface go to an HTTP/2
 * server that has no listening socket of its own.
 */
@Injectable()
export class H2cListener implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
    private readonly drain: ListenerDrain,
  ) {}

  // Before the main server listens (app.listen follows init).
  onModuleInit(): void {
    const main = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const http2 = createServer(http2Options(this.config), serveOn(main));
    this.drain.track(http2);
    new PrefaceSniffer(main, {
      http2,
      firstBytesTimeoutMs: this.config.headersTimeoutSeconds * 1000,
    });
  }
}
