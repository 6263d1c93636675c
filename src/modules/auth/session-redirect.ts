import type { ServerResponse } from 'node:http';
import type { RequestRecord } from '../observability/request.record.js';

/**
 * The browser-session exchange's answer (SPEC §9): `302` to the same URL without the credential,
 * with the session cookie when the credential was checked. Thrown by RequestRouter.route like a
 * RouterError, and answered by the HTTP front door instead of proxying: the credential in the
 * query never reaches the sandbox.
 */
export class SessionRedirect {
  constructor(
    readonly location: string,
    /** The `Set-Cookie` value; undefined when no check needed the credential. */
    readonly setCookie?: string,
  ) {}

  send(res: ServerResponse, record: RequestRecord): void {
    record.status = 302;
    res.writeHead(302, {
      location: this.location,
      ...(this.setCookie === undefined ? {} : { 'set-cookie': this.setCookie }),
      'cache-control': 'no-store',
      'content-length': 0,
      'x-request-id': record.requestId,
    });
    res.end();
  }
}
