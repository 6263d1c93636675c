import type { Server } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  serverConfig,
  type ServerConfig,
  tlsConfig,
  type TlsConfig,
} from '../config/router.config.js';
import { CertificateReloader, readCertificates } from './certificate.reloader.js';
import { http2Options, serveOn } from './http2.options.js';
import { ListenerDrain } from './listener.drain.js';

/**
 * The optional TLS port (`tls.port`): ALPN `h2` and `http/1.1`, TLS 1.2 at least, the same
 * requests as the main port (WebSocket upgrades included), the certificate reloaded from disk.
 * With `tls.clientCaFile`, clients are asked for a certificate (mTLS); `tls.clientAuth: required`
 * refuses the handshake without a valid one, `optional` lets it through.
 */
@Injectable()
export class TlsListener implements OnApplicationBootstrap {
  private readonly logger = new Logger(TlsListener.name);
  private server?: Http2SecureServer;
  private reloader?: CertificateReloader;

  constructor(
    @Inject(tlsConfig.KEY) private readonly config: TlsConfig,
    @Inject(serverConfig.KEY) private readonly serverLimits: ServerConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly drain: ListenerDrain,
  ) {}

  /** Where it listens, once it does. */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  onApplicationBootstrap(): void {
    if (this.config.port === 0) return;
    const files = { ...this.config, clientCaFile: this.config.clientCaFile || undefined };
    const mutual = files.clientCaFile !== undefined;
    const server = createSecureServer(
      {
        ...http2Options(this.serverLimits),
        ...readCertificates(files),
        allowHTTP1: true,
        minVersion: 'TLSv1.2',
        requestCert: mutual,
        rejectUnauthorized: mutual && this.config.clientAuth === 'required',
      },
      serveOn(this.main()),
    );
    server.on('upgrade', (...args: unknown[]) => this.main().emit('upgrade', ...args));
    this.drain.own(server);
    this.reloader = new CertificateReloader(
      files,
      (options) => server.setSecureContext(options),
      this.logger,
    );
    server.once('close', () => this.reloader?.stop());
    this.server = server;
    // On the main port's address, which app.listen names after bootstrap.
    this.main().once('listening', () => this.listen(server));
  }

  private listen(server: Http2SecureServer): void {
    const { address } = this.main().address() as AddressInfo;
    server.once('error', (error) => this.logger.error(`TLS listener: ${error.message}`));
    server.listen(this.config.port, address, () =>
      this.logger.log(`TLS on ${address}:${this.config.port} (h2, http/1.1)`),
    );
  }

  private main(): Server {
    return this.adapterHost.httpAdapter.getHttpServer() as Server;
  }
}
