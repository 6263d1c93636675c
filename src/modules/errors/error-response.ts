import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouterError } from './router-error.js';

/**
 * The one place that shapes an error response: SPEC §6 JSON for API clients, a small page for
 * a browser navigation. A response whose head is already out can only be cut.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: RouterError,
  requestId: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const html = prefersHtml(req.headers.accept);
  const body = html
    ? errorPage(error, requestId)
    : JSON.stringify({ detail: error.detail, code: error.code, requestId });
  res.writeHead(error.status, {
    ...error.headers,
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** True when the client ranks text/html above JSON, as browsers do for navigations. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept || !accept.includes('text/html')) return false;
  const json = accept.indexOf('application/json');
  return json < 0 || accept.indexOf('text/html') < json;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function errorPage(error: RouterError, requestId: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${error.status} ${error.code}</title></head>
<body><h1>${error.status} ${escapeHtml(error.code)}</h1><p>${escapeHtml(error.detail)}</p>
<p><small>request id ${escapeHtml(requestId)}</small></p></body></html>
`;
}
