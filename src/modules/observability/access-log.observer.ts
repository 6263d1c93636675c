import { Inject, Injectable } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { LOG_DESTINATION } from './log.destination.js';
import type { RequestObserver } from './request.observer.js';
import type { RequestRecord } from './request.record.js';

/** pino's numeric level for info, so access lines sort with the rest of the log. */
const INFO = '"level":"info"';
/**
 * Whether JSON can take the string as it is between quotes. Header values and the request line
 * reach us as latin1, so a quote, a backslash and control characters are all there is to escape.
 */
function plain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || code === 0x7f) return false;
  }
  return true;
}

const str = (value: string) => (plain(value) ? `"${value}"` : JSON.stringify(value));
const ms = (value: number) => Math.round(value * 10) / 10;

/**
 * One JSON line per finished request or WebSocket (SPEC §8), read from its record: never a
 * header value, so never a token, cookie or `Authorization`, and the path without its query.
 * Written at info whatever `LOG_LEVEL` says (`accessLog: false` turns it off), in the shape of
 * every other pino line, through the same asynchronous pino destination. The line is built here
 * rather than by pino's generic serializer: that one costs ~7 µs a line, about a tenth of a
 * proxied request, where this fixed shape costs about one.
 */
@Injectable()
export class AccessLogObserver implements RequestObserver {
  private readonly prefix = `{${INFO},"pid":${process.pid},"msg":"access"`;

  constructor(@Inject(LOG_DESTINATION) private readonly stream: DestinationStream) {}

  finished(record: Readonly<RequestRecord>): void {
    const query = record.url.indexOf('?');
    let line =
      `${this.prefix},"time":${Date.now()},"requestId":${str(record.requestId)}` +
      `,"kind":"${record.kind}","websocket":${record.websocket}`;
    if (record.sandbox !== undefined) line += `,"sandbox":${str(record.sandbox)}`;
    if (record.namespace !== undefined) line += `,"namespace":${str(record.namespace)}`;
    if (record.upstream !== undefined) line += `,"upstream":${str(record.upstream)}`;
    line +=
      `,"method":${str(record.method)}` +
      `,"path":${str(query < 0 ? record.url : record.url.slice(0, query))}`;
    if (record.status !== undefined) line += `,"status":${record.status}`;
    if (record.closeCode !== undefined) line += `,"closeCode":${record.closeCode}`;
    line += `,"bytesIn":${record.bytesIn},"bytesOut":${record.bytesOut}`;
    if (record.connectMs !== undefined) line += `,"connectMs":${ms(record.connectMs)}`;
    if (record.headMs !== undefined) line += `,"headMs":${ms(record.headMs)}`;
    if (record.heldMs !== undefined) line += `,"heldMs":${ms(record.heldMs)}`;
    line += `,"totalMs":${ms(record.totalMs!)},"attempts":${record.attempts}`;
    if (record.errorCode !== undefined) line += `,"errorCode":"${record.errorCode}"`;
    if (record.upstreamError !== undefined) line += `,"upstreamError":"${record.upstreamError}"`;
    if (record.aborted) line += ',"aborted":true';
    this.stream.write(`${line}}\n`);
  }
}
