import type { Reply } from './http-client.js';

/**
 * Asserts a SPEC §6 error reply: the status, the JSON body exactly (`detail`, `code`), and a
 * `requestId` equal to the `X-Request-ID` response header.
 */
export function expectRouterError(
  reply: Reply,
  status: number,
  code: string,
  detail: string,
): void {
  expect({ status: reply.status, body: reply.json() }).toEqual({
    status,
    body: { detail, code, requestId: reply.headers['x-request-id'] },
  });
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.headers['x-request-id']).toEqual(expect.any(String));
}

/** Asserts the 404 SANDBOX_NOT_FOUND reply for `id`. */
export function expectSandboxNotFound(reply: Reply, id: string): void {
  expectRouterError(reply, 404, 'SANDBOX_NOT_FOUND', `Sandbox not found: ${id}`);
}
