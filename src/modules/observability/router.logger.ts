import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { type DestinationStream, type Logger, pino } from 'pino';
import { serverConfig, type ServerConfig } from '../config/router.config.js';
import { LOG_DESTINATION } from './log.destination.js';

const LEVELS: Record<ServerConfig['logLevel'], string> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  off: 'silent',
};

/**
 * Nest's logger, on pino: every line of Nest and of the router's own `Logger`s is one JSON line
 * with its `context`, at `LOG_LEVEL`. (nestjs-pino's value is pino-http request logging through
 * Nest middleware, which proxied requests never pass through; the access log is built from the
 * request record instead, so this adapter is all the bridge the router needs.)
 */
@Injectable()
export class RouterLogger implements LoggerService {
  private readonly pino: Logger;

  constructor(
    @Inject(serverConfig.KEY) { logLevel }: ServerConfig,
    @Inject(LOG_DESTINATION) stream: DestinationStream,
  ) {
    // `time` in epoch ms (pino's own), level as a word, no hostname: the access log's shape too.
    this.pino = pino(
      {
        level: LEVELS[logLevel],
        base: { pid: process.pid },
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes the context last (and, for errors, a stack before it). */
  private write(
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal',
    message: unknown,
    rest: unknown[],
  ): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields = { context, stack };
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object') this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}
